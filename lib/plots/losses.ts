/**
 * Figure 1D/1E: the discriminator's losses per epoch on training and held-out
 * patients, with the Nash line.
 *
 * The "generation" loss is the discriminator's binary cross-entropy on
 * real-vs-fake; at the GAN's equilibrium the discriminator outputs 1/2 for
 * every patient and that loss is -log(1/2) = log 2 ~ 0.693 (the Nash line).
 * The "auxiliary" loss is the cross-entropy of the arm classifier head.
 */
import { PlotError } from './errors';
import { finiteOrNull } from './series';
import { REFERENCE_COLOR, SEQUENCE, axisStyle, baseLayout } from './style';
import type { Figure, PlotTrace } from './types';

/** -log(0.5): the discriminator's real/fake loss at the Nash equilibrium. */
export const NASH_LOSS = -Math.log(0.5);

/**
 * One epoch of a training history, as the loss figures read it. Holdout
 * losses are absent (or null) when the run had no held-out patients. Extra
 * fields are allowed and ignored.
 */
export interface LossHistoryEntry {
  epoch: number;
  trainGenLoss: number;
  trainAuxLoss: number;
  holdoutGenLoss?: number | null;
  holdoutAuxLoss?: number | null;
  [extra: string]: unknown;
}
export type LossHistory = LossHistoryEntry[];

/**
 * The shape of `lib/generators/acgan`'s history.json records (matched structurally, so
 * lib/plots does not import lib/generators).
 */
export interface GanEpochRecordLike {
  epoch: number;
  train: { d: { gen: number; aux: number }; g: { gen: number; aux: number } };
  holdout: { d: { gen: number; aux: number }; g: { gen: number; aux: number } } | null;
}

/**
 * Flattens GAN history records into a {@link LossHistory} of the
 * discriminator's losses (the paper's Figure 1D/1E), or the generator's.
 */
export function lossHistoryFromRecords(records: readonly GanEpochRecordLike[], model: 'discriminator' | 'generator' = 'discriminator'): LossHistory {
  const k = model === 'discriminator' ? 'd' : 'g';
  return records.map((r) => ({
    epoch: r.epoch,
    trainGenLoss: r.train[k].gen,
    trainAuxLoss: r.train[k].aux,
    holdoutGenLoss: r.holdout ? r.holdout[k].gen : null,
    holdoutAuxLoss: r.holdout ? r.holdout[k].aux : null,
  }));
}

export interface LossCurveOptions {
  title?: string;
  /** Which losses: generation (real/fake), auxiliary (arm), or both (default). */
  losses?: 'generation' | 'auxiliary' | 'both';
  /** Draw the Nash line -log(0.5) (default true). */
  nashLine?: boolean;
  /** y range; automatic by default. */
  yRange?: [number, number];
}

/**
 * Loss per epoch: train (solid) and holdout (dashed) for the generation and
 * auxiliary losses, plus a dashed horizontal line at -log(0.5) labelled
 * "Nash equilibrium".
 */
export function lossCurves(history: LossHistory, options: LossCurveOptions = {}): Figure {
  if (history.length === 0) throw new PlotError('lossCurves: the history is empty; train at least one epoch.');
  const which = options.losses ?? 'both';
  const epochs = history.map((h) => h.epoch);
  const pick = (key: 'trainGenLoss' | 'trainAuxLoss' | 'holdoutGenLoss' | 'holdoutAuxLoss'): number[] =>
    history.map((h) => (typeof h[key] === 'number' ? (h[key] as number) : NaN));
  const series: { name: string; key: 'trainGenLoss' | 'trainAuxLoss' | 'holdoutGenLoss' | 'holdoutAuxLoss'; color: string; dash: 'solid' | 'dash' }[] = [];
  if (which !== 'auxiliary') {
    series.push({ name: 'Train generation loss', key: 'trainGenLoss', color: SEQUENCE[0], dash: 'solid' });
    series.push({ name: 'Holdout generation loss', key: 'holdoutGenLoss', color: SEQUENCE[3], dash: 'dash' });
  }
  if (which !== 'generation') {
    series.push({ name: 'Train auxiliary loss', key: 'trainAuxLoss', color: SEQUENCE[1], dash: 'solid' });
    series.push({ name: 'Holdout auxiliary loss', key: 'holdoutAuxLoss', color: SEQUENCE[4], dash: 'dash' });
  }
  const data: PlotTrace[] = [];
  for (const s of series) {
    const y = pick(s.key);
    if (s.key.startsWith('holdout') && y.every((v) => !Number.isFinite(v))) continue; // no holdout in this run
    data.push({ type: 'scatter', mode: 'lines', name: s.name, x: epochs, y: finiteOrNull(y), line: { color: s.color, width: 2, dash: s.dash } });
  }
  const layout = baseLayout(options.title ?? 'Discriminator loss');
  layout.xaxis = { ...axisStyle('Epoch') };
  layout.yaxis = { ...axisStyle('Loss') };
  if (options.yRange) layout.yaxis.range = options.yRange;
  if (options.nashLine ?? true) {
    layout.shapes = [
      { type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: NASH_LOSS, y1: NASH_LOSS, line: { color: REFERENCE_COLOR, width: 1.5, dash: 'dash' } },
    ];
    layout.annotations = [
      { text: 'Nash equilibrium: -log(0.5)', xref: 'paper', x: 1, xanchor: 'right', yref: 'y', y: NASH_LOSS, yanchor: 'bottom', showarrow: false, font: { size: 11, color: REFERENCE_COLOR } },
    ];
  }
  return { data, layout };
}
