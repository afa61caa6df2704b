/**
 * Figure 3: accuracy on real test patients of classifiers trained on real,
 * non-private synthetic and private synthetic patients, one strip (every
 * run/epoch a dot, jittered) per source and classifier.
 */
import { PlotError } from './errors';
import { methodLabel } from './epochs';
import { finiteOrNull } from './series';
import { MARKERS, SEQUENCE, SOURCE_COLORS, SOURCE_LABELS, SOURCES, axisStyle, baseLayout } from './style';
import type { Figure, PlotTrace } from './types';

/** Accuracies of one classifier (e.g. one per repeat or per selected epoch). */
export interface AccuracyGroup {
  /** 'forest', 'logistic', 'svm', 'knn' or any label. */
  classifier: string;
  real: readonly number[];
  nonPrivate?: readonly number[];
  private?: readonly number[];
  /** A private baseline that is not a GAN (e.g. lib/generators/gaussian's cohort), drawn as a fourth strip. */
  baseline?: readonly number[];
}

export interface AccuracyStripOptions {
  title?: string;
  yRange?: [number, number];
  /** Legend label of the groups' `baseline` strip (default 'Private Gaussian'). */
  baselineLabel?: string;
}

/** The baseline strip's look: the neutral sequence's green, diamonds (no paper source uses either). */
const BASELINE_STYLE = { color: SEQUENCE[7], symbol: 'diamond' };

/**
 * Strip plot: x = classifier, three jittered strips per classifier (real,
 * non-private, private), same colors and markers as Figure 2, and a fourth
 * for a non-GAN `baseline` when the groups have one.
 */
export function accuracyStrips(groups: readonly AccuracyGroup[], options: AccuracyStripOptions = {}): Figure {
  if (groups.length === 0) throw new PlotError('accuracyStrips: no classifier groups given.');
  const data: PlotTrace[] = [];
  for (const source of [...SOURCES, 'baseline' as const]) {
    const x: string[] = [];
    const y: number[] = [];
    for (const g of groups) {
      const values = g[source];
      if (!values) continue;
      for (const v of values) {
        x.push(methodLabel(g.classifier));
        y.push(v);
      }
    }
    if (y.length === 0) {
      if (source === 'real') throw new PlotError('accuracyStrips: no real accuracies given.');
      continue;
    }
    const look =
      source === 'baseline'
        ? { name: options.baselineLabel ?? 'Private Gaussian', ...BASELINE_STYLE }
        : { name: SOURCE_LABELS[source], color: SOURCE_COLORS[source], symbol: MARKERS[source] };
    data.push({
      type: 'box',
      name: look.name,
      x,
      y: finiteOrNull(y),
      boxpoints: 'all',
      jitter: 0.5,
      pointpos: 0,
      fillcolor: 'rgba(0,0,0,0)',
      line: { color: 'rgba(0,0,0,0)' },
      marker: { color: look.color, symbol: look.symbol, size: 8, opacity: 0.85 },
      hoveron: 'points',
    });
  }
  const layout = baseLayout(options.title ?? 'Accuracy on real patients');
  layout.boxmode = 'group';
  layout.xaxis = { ...axisStyle('Classifier'), type: 'category' };
  layout.yaxis = { ...axisStyle('Accuracy') };
  if (options.yRange) layout.yaxis.range = options.yRange;
  return { data, layout };
}
