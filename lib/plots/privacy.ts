/**
 * Privacy figures: how delta grows with training epochs at several target
 * epsilons (with the largest acceptable delta), and how epsilon grows with
 * epochs at several noise multipliers.
 *
 * The numbers come from lib/privacy's accountant; these builders only draw.
 */
import { PlotError } from './errors';
import { expectLength } from './series';
import { REFERENCE_COLOR, SEQUENCE, axisStyle, baseLayout } from './style';
import type { Figure, PlotTrace } from './types';

/** delta after each epoch, at one target epsilon. */
export interface DeltaSeries {
  epsilon: number;
  epochs: readonly number[];
  delta: readonly number[];
}

export interface DeltaVsEpochInput {
  series: readonly DeltaSeries[];
  /**
   * The largest acceptable delta (e.g. 1/n of the training set, or the
   * paper's 1e-5); drawn as a dashed horizontal line. Optional.
   */
  deltaMax?: number;
}

export interface PrivacyFigureOptions {
  title?: string;
  /** Log y axis (default true for delta, false for epsilon). */
  logY?: boolean;
}

function positiveOrNull(values: readonly number[], log: boolean): (number | null)[] {
  return values.map((v) => (Number.isFinite(v) && (!log || v > 0) ? v : null));
}

function epochExtent(series: readonly { epochs: readonly number[] }[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) for (const e of s.epochs) if (Number.isFinite(e)) (lo = Math.min(lo, e)), (hi = Math.max(hi, e));
  return [lo, hi];
}

/** delta vs epoch, one line per epsilon, log y axis, with the delta-max line. */
export function deltaVsEpoch(input: DeltaVsEpochInput, options: PrivacyFigureOptions = {}): Figure {
  if (input.series.length === 0) throw new PlotError('deltaVsEpoch: no series given.');
  const log = options.logY ?? true;
  const data: PlotTrace[] = input.series.map((s, k) => {
    expectLength(`deltaVsEpoch: delta at epsilon ${s.epsilon} (one per epoch)`, s.delta, s.epochs.length);
    return {
      type: 'scatter',
      mode: 'lines',
      name: `ε = ${s.epsilon}`,
      x: [...s.epochs],
      y: positiveOrNull(s.delta, log),
      line: { color: SEQUENCE[k % SEQUENCE.length], width: 2 },
    };
  });
  if (input.deltaMax !== undefined) {
    if (!(input.deltaMax > 0)) throw new PlotError(`deltaVsEpoch: deltaMax must be > 0, got ${input.deltaMax}.`);
    const [lo, hi] = epochExtent(input.series);
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: `δ max = ${input.deltaMax.toExponential(0)}`,
      x: [lo, hi],
      y: [input.deltaMax, input.deltaMax],
      line: { color: REFERENCE_COLOR, width: 1.5, dash: 'dash' },
      hoverinfo: 'name',
    });
  }
  const layout = baseLayout(options.title ?? 'δ by epoch at fixed ε');
  layout.xaxis = { ...axisStyle('Epoch') };
  layout.yaxis = { ...axisStyle('δ'), type: log ? 'log' : 'linear', exponentformat: 'power' };
  return { data, layout };
}

/** epsilon after each epoch, at one noise multiplier. */
export interface EpsilonSeries {
  noiseMultiplier: number;
  epochs: readonly number[];
  epsilon: readonly number[];
}

export interface EpsilonVsEpochsInput {
  series: readonly EpsilonSeries[];
  /** The delta every epsilon is computed at (shown in the title). */
  delta?: number;
}

/** epsilon vs epochs, one line per noise multiplier sigma. */
export function epsilonVsEpochs(input: EpsilonVsEpochsInput, options: PrivacyFigureOptions = {}): Figure {
  if (input.series.length === 0) throw new PlotError('epsilonVsEpochs: no series given.');
  const log = options.logY ?? false;
  const data: PlotTrace[] = input.series.map((s, k) => {
    expectLength(`epsilonVsEpochs: epsilon at noise multiplier ${s.noiseMultiplier} (one per epoch)`, s.epsilon, s.epochs.length);
    return {
      type: 'scatter',
      mode: 'lines',
      name: `σ = ${s.noiseMultiplier}`,
      x: [...s.epochs],
      y: positiveOrNull(s.epsilon, log),
      line: { color: SEQUENCE[k % SEQUENCE.length], width: 2 },
    };
  });
  const at = input.delta !== undefined ? ` (δ = ${input.delta.toExponential(0)})` : '';
  const layout = baseLayout(options.title ?? `ε by epoch for several noise multipliers${at}`);
  layout.xaxis = { ...axisStyle('Epochs') };
  layout.yaxis = { ...axisStyle('ε'), type: log ? 'log' : 'linear' };
  return { data, layout };
}
