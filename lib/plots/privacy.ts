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

/** One generator at one ε: mean and sd over seeds of each classifier's accuracy. */
export interface UtilityPoint {
  /** Legend name of the generator (one line each). */
  generator: string;
  /** Total ε of the release; null for the non-private model (drawn at ∞). */
  epsilon: number | null;
  accuracy: Readonly<Record<string, { mean: number; sd: number }>>;
}

export interface PrivacyUtilityCurveOptions {
  title?: string;
  /** One panel per classifier, in this order (default forest, logistic, knn). */
  classifiers?: readonly string[];
  /** Accuracy of classifiers trained on the real patients (a dashed line per panel). */
  real?: Readonly<Record<string, number>>;
  /** Panel titles by classifier (default the names). */
  classifierLabels?: Readonly<Record<string, string>>;
}

/**
 * The privacy–utility curve: for each classifier a panel, accuracy against
 * the release's ε (log axis) for each generator, at the mean over seeds with
 * ± one sd, the non-private model at a last tick marked ∞, and the
 * real-trained accuracy as a dashed line.
 */
export function privacyUtilityCurve(points: readonly UtilityPoint[], options: PrivacyUtilityCurveOptions = {}): Figure {
  if (points.length === 0) throw new PlotError('privacyUtilityCurve: no points given.');
  const classifiers = options.classifiers ?? ['forest', 'logistic', 'knn'];
  const finite = points.filter((p) => p.epsilon !== null).map((p) => p.epsilon as number);
  for (const e of finite) if (!(e > 0 && Number.isFinite(e))) throw new PlotError(`privacyUtilityCurve: ε must be positive and finite (or null for ∞), got ${e}.`);
  if (finite.length === 0) throw new PlotError('privacyUtilityCurve: every point is non-private; nothing to draw on an ε axis.');
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  // ∞ sits one factor of 2.5 beyond the largest ε, labelled as such.
  const infX = hi * 2.5;
  const xOf = (p: UtilityPoint) => (p.epsilon === null ? infX : p.epsilon);
  const generators = [...new Set(points.map((p) => p.generator))];
  const data: PlotTrace[] = [];
  const layout = baseLayout(options.title ?? 'Accuracy on real patients against ε (mean over seeds ± sd)');
  const gap = 0.06;
  const w = (1 - gap * (classifiers.length - 1)) / classifiers.length;
  const ticks = [...new Set([...finite, infX])].sort((a, b) => a - b);
  classifiers.forEach((classifier, k) => {
    const axis = k === 0 ? '' : String(k + 1);
    generators.forEach((generator, g) => {
      const own = points.filter((p) => p.generator === generator && p.accuracy[classifier]).sort((a, b) => xOf(a) - xOf(b));
      if (own.length === 0) return;
      const color = SEQUENCE[g % SEQUENCE.length];
      data.push({
        type: 'scatter',
        mode: 'lines+markers',
        name: generator,
        legendgroup: generator,
        showlegend: k === 0,
        x: own.map(xOf),
        y: own.map((p) => p.accuracy[classifier].mean),
        error_y: { type: 'data', array: own.map((p) => p.accuracy[classifier].sd), color, thickness: 1.2, width: 3 },
        xaxis: `x${axis}`,
        yaxis: `y${axis}`,
        line: { color, width: 2 },
        marker: { color, size: 7 },
        hovertemplate: `${generator}<br>ε %{x}<br>accuracy %{y:.3f}<extra></extra>`,
      });
    });
    const real = options.real?.[classifier];
    if (real !== undefined) {
      data.push({
        type: 'scatter',
        mode: 'lines',
        name: 'trained on real patients',
        legendgroup: 'real',
        showlegend: k === 0,
        x: [lo / 1.5, infX * 1.5],
        y: [real, real],
        xaxis: `x${axis}`,
        yaxis: `y${axis}`,
        line: { color: REFERENCE_COLOR, width: 1.5, dash: 'dash' },
        hoverinfo: 'skip',
      });
    }
    const left = k * (w + gap);
    layout[`xaxis${axis}`] = {
      ...axisStyle(`ε (${options.classifierLabels?.[classifier] ?? classifier})`),
      type: 'log',
      domain: [left, left + w],
      anchor: `y${axis}`,
      tickvals: ticks,
      ticktext: ticks.map((t) => (t === infX ? '∞' : String(t))),
    };
    layout[`yaxis${axis}`] = { ...axisStyle(k === 0 ? 'Accuracy on real patients' : ''), anchor: `x${axis}`, matches: k === 0 ? undefined : 'y' };
  });
  layout.width = 320 * classifiers.length + 120;
  return { data, layout };
}
