import { Random } from '../../../lib/random';
import type { Cohort } from '../../../lib/data/cohort';
import type { Accountant, TrainOptions } from '../../../lib/generators/acgan/train';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../../../lib/generators/acgan/adam';
import { TINY_ARCHITECTURE, createDiscriminator, createGenerator, disposeParams, type GanArchitecture } from '../../../lib/generators/acgan/models';
import type { StepContext } from '../../../lib/generators/acgan/step';

/** A small random cohort in the normalized layout (values in [0, 1]). */
export function fakeCohort(n: number, seed = 1): Cohort {
  const rng = new Random(seed);
  const x = new Float32Array(n * 36);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.int(0, 2);
    for (let m = 0; m < 3; m++) {
      const base = m === 0 ? 0.6 : m === 1 ? 0.5 : 0.3;
      for (let v = 0; v < 12; v++) x[i * 36 + m * 12 + v] = base - (y[i] ? 0.05 : 0) + 0.05 * rng.normal();
    }
  }
  return { n, x, y, maskIds: Array.from({ length: n }, (_, i) => `S${String(i + 1).padStart(5, '0')}`), maxima: [200, 120, 6] };
}

/** Stand-in accountant (monotone in steps), for tests that must not depend on lib/privacy. */
export const fakeAccountant: Accountant = {
  epsilonFor: ({ q, noiseMultiplier, steps }) => (q * Math.sqrt(steps) * 4) / noiseMultiplier,
  deltaFor: ({ epsilon }) => Math.exp(-epsilon),
};

/** A small private batched run of the tiny model into `out` (3 epochs of 3 steps): tests of trainGan. */
export function tinyRun(out: string, overrides: Partial<TrainOptions> = {}): TrainOptions {
  return {
    out,
    train: fakeCohort(40, 1),
    holdout: fakeCohort(12, 2),
    epochs: 3,
    mode: 'batched',
    batchSize: 4,
    stepsPerEpoch: 3,
    noiseMultiplier: 0.9,
    clipNorm: 0.5,
    learningRate: 1e-3,
    architecture: TINY_ARCHITECTURE,
    accountant: fakeAccountant,
    seed: 17,
    log: () => {},
    ...overrides,
  };
}

/**
 * A ganStep context from a fixed start: fresh models (D seed 3, G seed 4),
 * Adam at `lrD` / `lrG` (default 1e-3), the 64 patients of fakeCohort(64, 5),
 * expected batch B, q = B / 64; `rest` sets the DP options and anything else.
 * `dispose` frees the models, optimizers and data.
 */
export function stepContext(
  arch: GanArchitecture,
  B: number,
  rest: Pick<StepContext, 'dp' | 'plain'> & Partial<StepContext> & { lrD?: number; lrG?: number },
): { ctx: StepContext; dispose: () => void } {
  const { lrD = 1e-3, lrG = 1e-3, ...over } = rest;
  const d = createDiscriminator(arch, 3);
  const g = createGenerator(arch, 4);
  const adamD = new Adam(d, { learningRate: lrD });
  const adamG = new Adam(g, { learningRate: lrG });
  const n = 64;
  const cohort = fakeCohort(n, 5);
  const [h, w] = arch.patientShape;
  const data = { x: tf.tensor4d(cohort.x, [n, h, w, 1]), y: tf.tensor1d(Int32Array.from(cohort.y), 'int32') };
  const ctx: StepContext = { d, g, arch, adamD, adamG, data, nTrain: n, q: B / n, batchSize: B, perExample: 'ghost', ...over };
  const dispose = () => {
    adamD.dispose();
    adamG.dispose();
    disposeParams(d);
    disposeParams(g);
    tf.dispose([data.x, data.y]);
  };
  return { ctx, dispose };
}
