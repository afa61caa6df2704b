/**
 * The privacy–utility figure of a sweep (issue 26): accuracy on real patients
 * against the training's ε, one colour per classifier. A setting (a grid
 * point without its seed) is drawn at the mean over its seeds, with an error
 * bar from the lowest to the highest seed, and every seed's run as a faint
 * dot beside it: the seeds' spread is the noise against which settings
 * compare.
 *
 * Takes plain rows (lib/sweep's collected runs map onto them), so a notebook
 * can draw it from `sweep.json` too. Non-private runs (ε null) have no place
 * on an ε axis: they are counted in a note under the title, not drawn.
 */
import { PlotError } from './errors';
import { methodLabel } from './epochs';
import { SEQUENCE, axisStyle, baseLayout } from './style';
import type { Figure, PlotTrace } from './types';

/** One run of a sweep. */
export interface PrivacyUtilityRun {
  /** The run's setting without the seed: runs with the same setting are its seeds. */
  setting: string;
  /** The training's ε; null for a non-private run. */
  epsilon: number | null;
  /** Accuracy on real patients by classifier; null or absent: not evaluated. */
  accuracy: Readonly<Record<string, number | null | undefined>>;
}

export interface PrivacyUtilityOptions {
  title?: string;
  /** Classifiers to draw, in this order (default: every one the runs have, in first-seen order). */
  classifiers?: readonly string[];
  /** Log ε axis (default false). */
  logX?: boolean;
}

/** Mean, lowest and highest of some numbers. */
function spread(values: readonly number[]): { mean: number; min: number; max: number } {
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values) };
}

/** Accuracy against ε: per classifier, each setting's mean over seeds with its range, and every run. */
export function privacyUtility(runs: readonly PrivacyUtilityRun[], options: PrivacyUtilityOptions = {}): Figure {
  const drawn = runs.filter((r) => r.epsilon !== null);
  for (const r of drawn) {
    if (!Number.isFinite(r.epsilon) || (r.epsilon as number) < 0) throw new PlotError(`privacyUtility: run of setting '${r.setting}' has ε ${r.epsilon}; expected a finite ε >= 0 or null.`);
  }
  const classifiers = options.classifiers ?? [...new Set(runs.flatMap((r) => Object.keys(r.accuracy)))];
  const data: PlotTrace[] = [];
  classifiers.forEach((classifier, k) => {
    const color = SEQUENCE[k % SEQUENCE.length];
    const bySetting = new Map<string, { eps: number[]; acc: number[] }>();
    for (const r of drawn) {
      const a = r.accuracy[classifier];
      if (typeof a !== 'number') continue;
      const s = bySetting.get(r.setting) ?? { eps: [], acc: [] };
      s.eps.push(r.epsilon as number);
      s.acc.push(a);
      bySetting.set(r.setting, s);
    }
    if (bySetting.size === 0) return;
    const settings = [...bySetting.entries()].map(([setting, s]) => ({ setting, eps: spread(s.eps).mean, acc: spread(s.acc), runs: s }));
    settings.sort((a, b) => a.eps - b.eps || a.setting.localeCompare(b.setting));
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: methodLabel(classifier),
      legendgroup: classifier,
      x: settings.map((s) => s.eps),
      y: settings.map((s) => s.acc.mean),
      text: settings.map((s) => `${s.setting} (${s.runs.acc.length} seed${s.runs.acc.length === 1 ? '' : 's'})`),
      error_y: { type: 'data', symmetric: false, array: settings.map((s) => s.acc.max - s.acc.mean), arrayminus: settings.map((s) => s.acc.mean - s.acc.min), color, thickness: 1.5, width: 4 },
      marker: { color, size: 9 },
      hovertemplate: '%{text}<br>ε %{x:.3f}<br>mean accuracy %{y:.3f}<extra></extra>',
    });
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: `${methodLabel(classifier)}, each seed`,
      legendgroup: classifier,
      showlegend: false,
      x: settings.flatMap((s) => s.runs.eps),
      y: settings.flatMap((s) => s.runs.acc),
      marker: { color, size: 5, opacity: 0.35 },
      hoverinfo: 'skip',
    });
  });
  if (data.length === 0) throw new PlotError('privacyUtility: no private run has an accuracy to draw (were the runs evaluated?).');
  const nonPrivate = runs.length - drawn.length;
  const layout = baseLayout(options.title ?? 'Accuracy on real patients against ε (mean over seeds, bars: lowest to highest)');
  layout.xaxis = { ...axisStyle('ε (training, at the run’s δ)'), type: options.logX ? 'log' : 'linear' };
  layout.yaxis = { ...axisStyle('Accuracy on real patients') };
  if (nonPrivate > 0) {
    layout.annotations = [{ text: `${nonPrivate} non-private run${nonPrivate === 1 ? '' : 's'} (ε = ∞) not drawn`, xref: 'paper', yref: 'paper', x: 0, y: 1.02, showarrow: false, xanchor: 'left', yanchor: 'bottom' }];
  }
  return { data, layout };
}
