/**
 * The paper's look: colors, marker symbols, feature names and the base layout
 * every builder starts from.
 *
 * Color pairs (darker = standard arm, lighter = intensive arm):
 *   real        #B21E0D / #FF412B  (reds)
 *   non-private #0E5FCC / #537CB2  (blues)
 *   private     #9300B2 / #DA2BFF  (purples)
 * Marker symbols: real = circle, non-private = triangle-up, private = square.
 */
import { MEASURES, VISITS } from '../data/cohort';
import type { PlotLayout } from './types';

/** Where a series of patients comes from. */
export type Source = 'real' | 'nonPrivate' | 'private';
export const SOURCES: readonly Source[] = ['real', 'nonPrivate', 'private'];

/** The arms, in label order (0 = standard, 1 = intensive). */
export type ArmName = 'standard' | 'intensive';
export const ARM_NAMES: readonly ArmName[] = ['standard', 'intensive'];

/** Human labels used in legends. */
export const SOURCE_LABELS: Record<Source, string> = {
  real: 'Real',
  nonPrivate: 'Non-private',
  private: 'Private',
};
export const ARM_LABELS: Record<ArmName, string> = {
  standard: 'Standard',
  intensive: 'Intensive',
};

/** The six colors of the paper, by source and arm. */
export const PALETTE: Record<Source, Record<ArmName, string>> = {
  real: { standard: '#B21E0D', intensive: '#FF412B' },
  nonPrivate: { standard: '#0E5FCC', intensive: '#537CB2' },
  private: { standard: '#9300B2', intensive: '#DA2BFF' },
};

/** One color per source when arms are not split (the darker of each pair). */
export const SOURCE_COLORS: Record<Source, string> = {
  real: PALETTE.real.standard,
  nonPrivate: PALETTE.nonPrivate.standard,
  private: PALETTE.private.standard,
};

/** Plotly marker symbols per source. */
export const MARKERS: Record<Source, string> = {
  real: 'circle',
  nonPrivate: 'triangle-up',
  private: 'square',
};

/** A neutral sequence for series that are not real / non-private / private. */
export const SEQUENCE = ['#B21E0D', '#0E5FCC', '#9300B2', '#FF412B', '#537CB2', '#DA2BFF', '#555555', '#2CA02C'];

/** Color for reference lines (Nash line, delta max). */
export const REFERENCE_COLOR = '#444444';

/**
 * The 36 feature names in cohort order (measure-major, like
 * `x[i*36 + m*12 + v]`): SBP_RZ, SBP_1M, ..., DBP_RZ, ..., N_BPCLASSES_27M.
 */
export const FEATURE_NAMES: readonly string[] = MEASURES.flatMap((m) => VISITS.map((v) => `${m}_${v}`));

/** Default pixel size of a figure (display and export). */
export const DEFAULT_WIDTH = 700;
export const DEFAULT_HEIGHT = 450;

/** The layout every builder starts from: white background, light grid, fixed fonts. */
export function baseLayout(title?: string): PlotLayout {
  const layout: PlotLayout = {
    width: DEFAULT_WIDTH,
    height: DEFAULT_HEIGHT,
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    font: { family: 'Arial, Helvetica, sans-serif', size: 13, color: '#222222' },
    margin: { l: 70, r: 20, t: title ? 60 : 30, b: 60 },
    showlegend: true,
    legend: { bgcolor: 'rgba(255,255,255,0.8)' },
  };
  if (title) layout.title = { text: title, x: 0.5, xanchor: 'center' };
  return layout;
}

/** Axis defaults: a light grid and dark lines, as in the paper's figures. */
export function axisStyle(title: string): { [key: string]: unknown } & { title: { text: string } } {
  return {
    title: { text: title },
    showgrid: true,
    gridcolor: '#e5e5e5',
    showline: true,
    linecolor: '#444444',
    ticks: 'outside',
    zeroline: false,
  };
}
