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
  /**
   * Other synthetic cohorts that are not the paper's GANs (e.g. the DP
   * Gaussian's, the Markov-Gaussian's), by legend label, drawn after the three.
   */
  others?: Readonly<Record<string, readonly number[]>>;
}

export interface AccuracyStripOptions {
  title?: string;
  yRange?: [number, number];
}

/** The other cohorts' looks, in order of first appearance: the neutral sequence's green and orange, then grey (no paper source uses them). */
const OTHER_STYLES = [
  { color: SEQUENCE[7], symbol: 'diamond' },
  { color: SEQUENCE[5], symbol: 'star' },
  { color: '#666666', symbol: 'cross' },
];

/**
 * Strip plot: x = classifier, three jittered strips per classifier (real,
 * non-private, private), same colors and markers as Figure 2, then one for
 * each other cohort the groups name.
 */
export function accuracyStrips(groups: readonly AccuracyGroup[], options: AccuracyStripOptions = {}): Figure {
  if (groups.length === 0) throw new PlotError('accuracyStrips: no classifier groups given.');
  const data: PlotTrace[] = [];
  const otherLabels = [...new Set(groups.flatMap((g) => Object.keys(g.others ?? {})))];
  const strips = [
    ...SOURCES.map((source) => ({ values: (g: AccuracyGroup) => g[source], look: { name: SOURCE_LABELS[source], color: SOURCE_COLORS[source], symbol: MARKERS[source] } })),
    ...otherLabels.map((label, i) => ({ values: (g: AccuracyGroup) => g.others?.[label], look: { name: label, ...OTHER_STYLES[i % OTHER_STYLES.length] } })),
  ];
  for (const [k, strip] of strips.entries()) {
    const x: string[] = [];
    const y: number[] = [];
    for (const g of groups) {
      const values = strip.values(g);
      if (!values) continue;
      for (const v of values) {
        x.push(methodLabel(g.classifier));
        y.push(v);
      }
    }
    if (y.length === 0) {
      if (k === 0) throw new PlotError('accuracyStrips: no real accuracies given.');
      continue;
    }
    const look = strip.look;
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
