/**
 * Figure 4 (which of the 36 features the classifiers lean on, real vs
 * synthetic training data) and the feature correlation heatmaps.
 */
import { N_FEATURES } from '../data/cohort';
import { PlotError } from './errors';
import { expectLength, finiteOrNull } from './series';
import { FEATURE_NAMES, SOURCE_COLORS, SOURCE_LABELS, SOURCES, axisStyle, baseLayout } from './style';
import type { Source } from './style';
import type { Figure, PlotTrace } from './types';

/** One weight per feature (36, cohort order) for each training source. */
export interface FeatureWeightsInput {
  real: readonly number[];
  nonPrivate?: readonly number[];
  private?: readonly number[];
}

export interface FeatureWeightsOptions {
  /** What the weights are: forest importances or linear coefficients. Sets the axis title. */
  method: 'forest' | 'logistic' | 'svm';
  title?: string;
  /** Feature labels; {@link FEATURE_NAMES} by default. */
  labels?: readonly string[];
}

const WEIGHT_TITLES: Record<FeatureWeightsOptions['method'], [string, string]> = {
  forest: ['Random forest feature importance', 'Importance (mean decrease in impurity)'],
  logistic: ['Logistic regression coefficients', 'Coefficient'],
  svm: ['Linear SVM coefficients', 'Coefficient'],
};

/**
 * Grouped bars over the 36 features (SBP_RZ ... N_BPCLASSES_27M): forest
 * importances or logistic/SVM coefficients of models trained on real,
 * non-private and private synthetic patients.
 */
export function featureWeights(input: FeatureWeightsInput, options: FeatureWeightsOptions): Figure {
  const labels = options.labels ?? FEATURE_NAMES;
  const data: PlotTrace[] = [];
  for (const source of SOURCES) {
    const w = input[source];
    if (!w) {
      if (source === 'real') throw new PlotError('featureWeights: the real weights are required.');
      continue;
    }
    expectLength(`featureWeights: ${source} weights (one per feature)`, w, labels.length);
    data.push({
      type: 'bar',
      name: SOURCE_LABELS[source],
      x: [...labels],
      y: finiteOrNull(w),
      marker: { color: SOURCE_COLORS[source] },
    });
  }
  const [title, yTitle] = WEIGHT_TITLES[options.method];
  const layout = baseLayout(options.title ?? title);
  layout.width = 1000;
  layout.barmode = 'group';
  layout.margin = { l: 70, r: 20, t: 60, b: 130 };
  layout.xaxis = { ...axisStyle('Feature'), type: 'category', tickangle: -60 };
  layout.yaxis = { ...axisStyle(yTitle), zeroline: options.method !== 'forest', zerolinecolor: '#444444' };
  return { data, layout };
}

/**
 * Pearson correlation between the 36 features over the patients of `x`
 * (row-major, 36 values per patient). A constant feature has no correlation:
 * its row and column are NaN (drawn blank), except the diagonal which is 1.
 */
export function featureCorrelation(x: ArrayLike<number>, nFeatures: number = N_FEATURES): number[][] {
  if (x.length % nFeatures !== 0) {
    throw new PlotError(`featureCorrelation: x has ${x.length} values, not a multiple of ${nFeatures} features per patient.`);
  }
  const n = x.length / nFeatures;
  if (n < 2) throw new PlotError(`featureCorrelation: need at least 2 patients, got ${n}.`);
  const mean = new Float64Array(nFeatures);
  for (let i = 0; i < n; i++) for (let j = 0; j < nFeatures; j++) mean[j] += x[i * nFeatures + j];
  for (let j = 0; j < nFeatures; j++) mean[j] /= n;
  const cov = new Float64Array(nFeatures * nFeatures);
  const d = new Float64Array(nFeatures);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < nFeatures; j++) d[j] = x[i * nFeatures + j] - mean[j];
    for (let a = 0; a < nFeatures; a++) {
      const da = d[a];
      for (let b = a; b < nFeatures; b++) cov[a * nFeatures + b] += da * d[b];
    }
  }
  const out: number[][] = [];
  for (let a = 0; a < nFeatures; a++) {
    const row: number[] = [];
    for (let b = 0; b < nFeatures; b++) {
      const [p, q] = a <= b ? [a, b] : [b, a];
      const denom = Math.sqrt(cov[p * nFeatures + p] * cov[q * nFeatures + q]);
      if (a === b) row.push(1);
      else row.push(denom > 0 ? Math.max(-1, Math.min(1, cov[p * nFeatures + q] / denom)) : NaN);
    }
    out.push(row);
  }
  return out;
}

export interface CorrelationHeatmapOptions {
  title?: string;
  labels?: readonly string[];
}

/** Diverging scale: blue (-1), white (0), red (+1). */
export const CORRELATION_COLORSCALE: [number, string][] = [
  [0, '#0E5FCC'],
  [0.5, '#ffffff'],
  [1, '#B21E0D'],
];

/** A features x features correlation matrix as a heatmap (-1..1, row 0 at the top). */
export function correlationHeatmap(matrix: readonly (readonly number[])[], options: CorrelationHeatmapOptions = {}): Figure {
  const labels = options.labels ?? FEATURE_NAMES;
  expectLength('correlationHeatmap: matrix rows', matrix, labels.length);
  matrix.forEach((row, i) => expectLength(`correlationHeatmap: matrix row ${i}`, row, labels.length));
  const layout = baseLayout(options.title ?? 'Feature correlation');
  layout.width = 720;
  layout.height = 680;
  layout.showlegend = false;
  layout.margin = { l: 130, r: 20, t: 60, b: 130 };
  layout.xaxis = { type: 'category', tickangle: -90, tickfont: { size: 9 }, showgrid: false };
  layout.yaxis = { type: 'category', autorange: 'reversed', tickfont: { size: 9 }, showgrid: false, scaleanchor: 'x' };
  return {
    data: [
      {
        type: 'heatmap',
        name: options.title ?? 'correlation',
        x: [...labels],
        y: [...labels],
        z: matrix.map((row) => finiteOrNull(row)),
        zmin: -1,
        zmax: 1,
        colorscale: CORRELATION_COLORSCALE,
        colorbar: { title: { text: 'r' } },
        hovertemplate: '%{y} / %{x}: %{z:.2f}<extra></extra>',
      },
    ],
    layout,
  };
}

/** The three correlation heatmaps (real / non-private / private), one figure each. */
export function correlationHeatmaps(
  matrices: { real: readonly (readonly number[])[]; nonPrivate: readonly (readonly number[])[]; private: readonly (readonly number[])[] },
  options: { labels?: readonly string[] } = {},
): Record<Source, Figure> {
  const titled = (s: Source): Figure =>
    correlationHeatmap(matrices[s], { labels: options.labels, title: `Feature correlation: ${SOURCE_LABELS[s].toLowerCase()}${s === 'real' ? '' : ' synthetic'}` });
  return { real: titled('real'), nonPrivate: titled('nonPrivate'), private: titled('private') };
}

