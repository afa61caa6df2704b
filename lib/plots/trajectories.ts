/**
 * Figure 2 (median systolic BP per visit, real vs non-private vs private
 * synthetic patients, per arm) and the preprocess notebook's trajectory plot.
 */
import { MEASURES, VISITS } from '../data/cohort';
import type { Measure } from '../data/cohort';
import { PlotError } from './errors';
import { medianByVisit } from './medians';
import type { ArmSeries, CohortLike } from './medians';
import { expectLength, finiteOrNull } from './series';
import { ARM_LABELS, ARM_NAMES, MARKERS, PALETTE, SOURCE_LABELS, SOURCES, axisStyle, baseLayout } from './style';
import type { Source } from './style';
import type { Figure, PlotAxis, PlotTrace } from './types';

/** Medians (mmHg) per visit for each source and arm; `nonPrivate`/`private` may be left out. */
export interface Figure2Input {
  real: ArmSeries;
  nonPrivate?: ArmSeries;
  private?: ArmSeries;
}

/** The four panels of Figure 2 and the epochs each one uses. */
export type Figure2Panel = 'A' | 'B' | 'C' | 'D';
export const FIGURE2_PANEL_TITLES: Record<Figure2Panel, string> = {
  A: 'Last epoch',
  B: 'Best epoch by logistic regression',
  C: 'Best epoch by random forest',
  D: 'Top 5 epochs by random forest + top 5 by logistic regression',
};

export interface Figure2Options {
  /** Which panel (sets the title); default none. */
  panel?: Figure2Panel;
  /** Overrides the panel title. */
  title?: string;
  /** y axis range in mmHg; the paper's 100-170 by default. */
  yRange?: [number, number];
  /**
   * Legend names of the sources (default 'Real', 'Non-private', 'Private'),
   * e.g. to draw another generator's cohort in one of the synthetic slots.
   */
  labels?: Partial<Record<Source, string>>;
}

/** The paper's y range for Figure 2 (mmHg). */
export const FIGURE2_Y_RANGE: [number, number] = [100, 170];

/**
 * Median systolic BP per visit: up to six series (real, non-private, private
 * x standard, intensive), colored by source and arm, marker by source.
 *
 * ```ts
 * const fig = figure2({ real: medianSbpByVisit(test), nonPrivate: medianSbpByVisit(pub), private: medianSbpByVisit(priv) }, { panel: 'A' });
 * ```
 */
export function figure2(input: Figure2Input, options: Figure2Options = {}): Figure {
  const data: PlotTrace[] = [];
  for (const source of SOURCES) {
    const series = input[source];
    if (!series) {
      if (source === 'real') throw new PlotError('figure2: the real medians are required.');
      continue;
    }
    for (const arm of ARM_NAMES) {
      expectLength(`figure2: ${source}.${arm} medians (one per visit ${VISITS[0]}..${VISITS[VISITS.length - 1]})`, series[arm], VISITS.length);
      data.push(medianTrace(source, arm, series[arm], options.labels?.[source] ?? SOURCE_LABELS[source]));
    }
  }
  const title =
    options.title ?? (options.panel ? `Figure 2${options.panel}: ${FIGURE2_PANEL_TITLES[options.panel]}` : 'Median systolic blood pressure');
  const layout = baseLayout(title);
  layout.xaxis = { ...axisStyle('Visit'), type: 'category', categoryorder: 'array', categoryarray: [...VISITS] };
  layout.yaxis = { ...axisStyle('Median systolic BP (mmHg)'), range: options.yRange ?? FIGURE2_Y_RANGE };
  return { data, layout };
}

function medianTrace(source: Source, arm: 'standard' | 'intensive', values: number[], label: string): PlotTrace {
  return {
    type: 'scatter',
    mode: 'lines+markers',
    name: `${label} ${ARM_LABELS[arm].toLowerCase()}`,
    x: [...VISITS],
    y: finiteOrNull(values),
    line: { color: PALETTE[source][arm], width: 2, dash: source === 'real' ? 'solid' : source === 'nonPrivate' ? 'dash' : 'dot' },
    marker: { color: PALETTE[source][arm], symbol: MARKERS[source], size: 8 },
    hovertemplate: '%{x}: %{y:.1f} mmHg<extra>%{fullData.name}</extra>',
  };
}

export interface TrajectoryOptions {
  /** Which measures to draw, one panel each, top to bottom; all three by default. */
  measures?: readonly Measure[];
  title?: string;
  /** Source whose colors are used (real by default). */
  source?: Source;
}

const MEASURE_AXIS_TITLES: Record<Measure, string> = {
  SBP: 'Median SBP (mmHg)',
  DBP: 'Median DBP (mmHg)',
  N_BPCLASSES: 'Median BP med classes',
};

/**
 * Per-arm median of each measure by visit (SBP, DBP, number of BP medication
 * classes), stacked panels sharing the visit axis: a quick look at a cohort.
 */
export function trajectoryMedians(cohort: CohortLike, options: TrajectoryOptions = {}): Figure {
  const measures = options.measures ?? MEASURES;
  if (measures.length === 0) throw new PlotError('trajectoryMedians: measures is empty.');
  const source = options.source ?? 'real';
  const layout = baseLayout(options.title ?? 'Median trajectories by arm');
  layout.height = 220 * measures.length + 80;
  const data: PlotTrace[] = [];
  const gap = 0.06;
  const h = (1 - gap * (measures.length - 1)) / measures.length;
  measures.forEach((measure, k) => {
    const medians = medianByVisit(cohort, measure);
    const axisId = k === 0 ? '' : String(k + 1);
    for (const arm of ARM_NAMES) {
      data.push({
        type: 'scatter',
        mode: 'lines+markers',
        name: ARM_LABELS[arm],
        legendgroup: arm,
        showlegend: k === 0,
        x: [...VISITS],
        y: finiteOrNull(medians[arm]),
        xaxis: 'x',
        yaxis: `y${axisId}`,
        line: { color: PALETTE[source][arm], width: 2 },
        marker: { color: PALETTE[source][arm], symbol: MARKERS[source], size: 7 },
      });
    }
    const top = 1 - k * (h + gap);
    const yaxis: PlotAxis = { ...axisStyle(MEASURE_AXIS_TITLES[measure]), domain: [Math.max(0, top - h), top] };
    if (k > 0) yaxis.anchor = 'x';
    layout[`yaxis${axisId}`] = yaxis;
  });
  layout.xaxis = {
    ...axisStyle('Visit'),
    type: 'category',
    categoryorder: 'array',
    categoryarray: [...VISITS],
    anchor: `y${measures.length === 1 ? '' : measures.length}`,
  };
  return { data, layout };
}
