/**
 * Epoch selection figures: each epoch's score (accuracy on real patients of a
 * classifier trained on that epoch's synthetic patients) and its rank, per
 * method (random forest, logistic regression).
 */
import { PlotError } from './errors';
import { finiteOrNull } from './series';
import { SEQUENCE, axisStyle, baseLayout } from './style';
import type { Figure, PlotTrace } from './types';

/** Scores of one epoch. Extra methods may be added as numeric fields. */
export interface EpochScore {
  epoch: number;
  forest: number;
  logistic: number;
  [method: string]: number;
}

export interface EpochFigureOptions {
  title?: string;
  /** Which methods to draw (keys of EpochScore); forest and logistic by default. */
  methods?: readonly string[];
  /** Highlight each method's top-k epochs with larger markers (default 5; 0 = none). */
  top?: number;
}

const METHOD_LABELS: Record<string, string> = {
  forest: 'Random forest',
  logistic: 'Logistic regression',
  svm: 'Linear SVM',
  knn: 'k-nearest neighbors',
};

export function methodLabel(method: string): string {
  return METHOD_LABELS[method] ?? method;
}

function methodValues(scores: readonly EpochScore[], method: string): number[] {
  return scores.map((s, i) => {
    const v = s[method];
    if (typeof v !== 'number') throw new PlotError(`epoch scores: entry ${i} (epoch ${s.epoch}) has no numeric "${method}".`);
    return v;
  });
}

/**
 * Rank of each value, 1 = highest; ties broken by position (earlier epoch
 * first), the same order as lib/eval's top-k. Non-finite values rank last.
 */
export function rankDescending(values: readonly number[]): number[] {
  const idx = values.map((_, i) => i);
  const key = (i: number): number => (Number.isFinite(values[i]) ? values[i] : -Infinity);
  idx.sort((a, b) => key(b) - key(a) || a - b);
  const ranks = new Array<number>(values.length);
  idx.forEach((i, r) => (ranks[i] = r + 1));
  return ranks;
}

function checkScores(what: string, scores: readonly EpochScore[]): void {
  if (scores.length === 0) throw new PlotError(`${what}: no epoch scores; score at least one epoch.`);
}

/** Score vs epoch, one line per method; the top-k epochs of each method are drawn larger. */
export function epochScores(scores: readonly EpochScore[], options: EpochFigureOptions = {}): Figure {
  checkScores('epochScores', scores);
  const methods = options.methods ?? ['forest', 'logistic'];
  const top = options.top ?? 5;
  const epochs = scores.map((s) => s.epoch);
  const data: PlotTrace[] = methods.map((method, k) => {
    const values = methodValues(scores, method);
    const ranks = rankDescending(values);
    return {
      type: 'scatter',
      mode: 'lines+markers',
      name: methodLabel(method),
      x: epochs,
      y: finiteOrNull(values),
      line: { color: SEQUENCE[k % SEQUENCE.length], width: 1.5 },
      marker: { color: SEQUENCE[k % SEQUENCE.length], size: ranks.map((r) => (r <= top ? 10 : 4)), symbol: k === 0 ? 'circle' : 'triangle-up' },
    };
  });
  const layout = baseLayout(options.title ?? 'Accuracy on real patients by epoch');
  layout.xaxis = { ...axisStyle('Epoch') };
  layout.yaxis = { ...axisStyle('Accuracy') };
  return { data, layout };
}

/** Rank of each epoch (1 = best) vs epoch, one series per method; rank 1 at the top. */
export function epochRanks(scores: readonly EpochScore[], options: EpochFigureOptions = {}): Figure {
  checkScores('epochRanks', scores);
  const methods = options.methods ?? ['forest', 'logistic'];
  const epochs = scores.map((s) => s.epoch);
  const data: PlotTrace[] = methods.map((method, k) => ({
    type: 'scatter',
    mode: 'markers',
    name: methodLabel(method),
    x: epochs,
    y: rankDescending(methodValues(scores, method)),
    marker: { color: SEQUENCE[k % SEQUENCE.length], size: 6, symbol: k === 0 ? 'circle' : 'triangle-up' },
  }));
  const layout = baseLayout(options.title ?? 'Epoch rank by method');
  layout.xaxis = { ...axisStyle('Epoch') };
  layout.yaxis = { ...axisStyle('Rank (1 = best)'), autorange: 'reversed' };
  return { data, layout };
}
