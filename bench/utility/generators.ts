/**
 * The generators bench/utility.ts measures, behind one small interface:
 * fit on the training cohort at (epsilon, delta), sample n patients.
 *
 * DEFAULT_ROWS are the benchmark's rows (real, the DP Gaussian baseline, the
 * AC-GAN's private batched recipe, the Markov-Gaussian generator of
 * lib/generators/markov); the three generators are trained through their
 * families into a run folder, as the CLI trains them. The others are the
 * candidates measured and dropped (docs/private-utility.md), kept so their
 * rows can be re-measured: marginals, bayes-net, dp-merf (./prototypes), the
 * prototype of the Markov-Gaussian model with its switches
 * (`hybrid:key=value:...`, ./prototypes/hybrid.ts), and the DP Gaussian with
 * rounded values or a noise-scaled eigenvalue floor (`gauss-floor`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Cohort } from '../../lib/data/cohort';
import { SPRINT_SCALING } from '../../lib/data/scaling';
import type { GeneratorFamily, TrainRequest, TrainedRun } from '../../lib/generators/family';
import { gaussian as gaussianFamily } from '../../lib/generators/gaussian/family';
import { addToLedger, calibrateGaussianNoise, releaseFromCohort, sampleGaussianCohort } from '../../lib/generators/gaussian/model';
import { markov as markovFamily, type MarkovFamilyOptions } from '../../lib/generators/markov/family';
import { runLedger, sampleFromRun } from '../../lib/generators/run';
import { calibrateNoiseMultiplier } from '../../lib/privacy/calibrate';
import { PrivacyLedger } from '../../lib/privacy/ledger';
import { floorEigenvalues } from '../../lib/compute/linalg';
import { bayesNet, independentMarginals } from './prototypes/marginals';
import { dpMerf } from './prototypes/merf';
import { fitHybrid, sampleHybrid, type HybridOptions } from './prototypes/hybrid';

export interface GeneratorRun {
  cohort: Cohort;
  /** Total epsilon at the run's delta (null: not private). */
  epsilon: number | null;
  /** True when `cohort` holds real patients (no truncation of their values). */
  real?: boolean;
}

export interface UtilityGenerator {
  name: string;
  run(train: Cohort, o: { epsilon: number; delta: number; seed: number; n: number }): GeneratorRun | Promise<GeneratorRun>;
}

/**
 * A generator family trained the way the CLI trains it (`sprint-gan train
 * --model ...`, `sprint-gan gaussian`): into a temporary run folder, then
 * `n` patients sampled from it (same seed), normalized like the training
 * cohort; epsilon is the run's ledger total. `options` gives the family's
 * settings at (epsilon, delta).
 */
function familyGenerator<O>(name: string, family: GeneratorFamily<O, TrainedRun>, options: (epsilon: number, delta: number, nTrain: number) => O): UtilityGenerator {
  return {
    name,
    async run(train, { epsilon, delta, seed, n }) {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), `utility-${family.name}-`));
      try {
        const request = { out, train, delta, seed, log: () => {}, ...options(epsilon, delta, train.n) } as TrainRequest & O;
        const { summary } = await family.train(request);
        const cohort = sampleFromRun(out, n, { seed, maxima: train.maxima });
        return { cohort, epsilon: summary.private ? runLedger(out).epsilon(delta) : null };
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The AC-GAN's private batched recipe (README, "A private cohort in batched
 * mode": expected batch 64, 10 epochs, compact discriminator seeing the
 * deviations, SPRINT scaling, diversity 1, arm head on real rows, generator
 * arm weight 0.3, clip 1 on real and generated rows, lr 1e-3), its noise
 * calibrated so that training spends `epsilon` (the README's sigma 1.16107
 * at 1.6); the last epoch is sampled. Infinity: the same without noise or
 * clipping. About 7 minutes a seed on two quiet cores.
 */
export const ACGAN_RECIPE = { mode: 'batched', batchSize: 64, epochs: 10, clipGenerated: true, learningRate: 1e-3, diversityWeight: 1, auxOnGenerated: false, generatorAuxWeight: 0.3 } as const;

let acganFamily: Promise<GeneratorFamily<Record<string, unknown>, TrainedRun>> | null = null;

/** The AC-GAN family, with TF.js loaded and the best backend chosen on first use (the other rows need neither). */
export function loadAcgan(): Promise<GeneratorFamily<Record<string, unknown>, TrainedRun>> {
  acganFamily ??= (async () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { selectBackend } = require('../../lib/compute/index') as typeof import('../../lib/compute/index');
    await selectBackend({ training: true, log: (l) => console.error(l) });
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return (require('../../lib/generators/acgan/family') as typeof import('../../lib/generators/acgan/family')).acgan as unknown as GeneratorFamily<Record<string, unknown>, TrainedRun>;
  })();
  return acganFamily;
}

export function acganOptions(epsilon: number, delta: number, nTrain: number): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { namedArchitecture } = require('../../lib/generators/acgan/models') as typeof import('../../lib/generators/acgan/models');
  const architecture = { ...namedArchitecture('compact'), dDeviation: true };
  const steps = ACGAN_RECIPE.epochs * Math.ceil(nTrain / ACGAN_RECIPE.batchSize);
  const priv = Number.isFinite(epsilon);
  const noiseMultiplier = priv ? calibrateNoiseMultiplier({ q: ACGAN_RECIPE.batchSize / nTrain, steps, delta, targetEpsilon: epsilon }) : 0;
  return { ...ACGAN_RECIPE, architecture, scaling: SPRINT_SCALING, noiseMultiplier, clipNorm: priv ? 1 : Infinity, targetEpsilon: priv ? epsilon : null };
}

const acgan: UtilityGenerator = {
  name: 'acgan',
  async run(train, o) {
    return familyGenerator('acgan', await loadAcgan(), acganOptions).run(train, o);
  },
};

const real: UtilityGenerator = {
  name: 'real',
  run: (train) => ({ cohort: train, epsilon: null, real: true }),
};

/** `sprint-gan gaussian --target-epsilon E` (the exact model at Infinity). */
const gaussian = familyGenerator('dp-gaussian', gaussianFamily, (epsilon) => (Number.isFinite(epsilon) ? { targetEpsilon: epsilon } : { nonPrivate: true }));

function roundCohort(c: Cohort): Cohort {
  const x = Float32Array.from(c.x);
  for (let i = 0; i < x.length; i++) {
    const m = Math.floor((i % 36) / 12);
    x[i] = Math.max(0, Math.round(x[i] * c.maxima[m])) / c.maxima[m];
  }
  return { ...c, x };
}

function gaussianFloor(name: string, floorScale: number, round: boolean): UtilityGenerator {
  return {
    name,
    run(train, { epsilon, delta, seed, n }) {
      const priv = Number.isFinite(epsilon);
      const noise = priv ? calibrateGaussianNoise(epsilon, delta) : { meanNoise: 0, covarianceNoise: 0 };
      const opts = { clipNorm: priv ? 6 : Infinity, ...noise, seed };
      const model = releaseFromCohort(train, opts);
      if (priv) {
        const total = model.counts[0] + model.counts[1];
        const floor = (floorScale * opts.covarianceNoise * 36 * Math.sqrt(36)) / total;
        model.covariance = Array.from(floorEigenvalues(model.covariance, 36, floor));
      }
      const eps = priv ? addToLedger(new PrivacyLedger(), opts).epsilon(delta) : null;
      const c = sampleGaussianCohort(model, n, train.maxima, seed);
      return { cohort: round ? roundCohort(c) : c, epsilon: eps };
    },
  };
}

const gaussianRound: UtilityGenerator = {
  name: 'dp-gaussian-round',
  run: async (train, o) => {
    const r = await gaussian.run(train, o);
    return { ...r, cohort: roundCohort(r.cohort) };
  },
};

function hybrid(name: string, extra: Partial<HybridOptions>): UtilityGenerator {
  return {
    name,
    run(train, { epsilon, delta, seed, n }) {
      const model = fitHybrid(train, { epsilon, delta, seed, ...extra });
      return { cohort: sampleHybrid(model, n, train.maxima, seed), epsilon: model.epsilon };
    },
  };
}

function single(name: string, f: typeof bayesNet): UtilityGenerator {
  return {
    name,
    run(train, o) {
      const { cohort, sigma } = f(train, o);
      const eps = sigma > 0 ? new PrivacyLedger().addDpSgd(name, { q: 1, noiseMultiplier: sigma, steps: 1 }).epsilon(o.delta) : null;
      return { cohort, epsilon: eps };
    },
  };
}

/** `sprint-gan train --model markov --target-epsilon E` (`--non-private` at Infinity), with `extra` settings for variants. */
function markovGenerator(name: string, extra: MarkovFamilyOptions): UtilityGenerator {
  return familyGenerator(name, markovFamily, (epsilon) => ({ ...(Number.isFinite(epsilon) ? { targetEpsilon: epsilon } : { nonPrivate: true }), ...extra }));
}

export const DEFAULT_ROWS = ['real', 'dp-gaussian', 'acgan', 'markov'];

export const GENERATORS: Record<string, UtilityGenerator> = {
  real,
  'dp-gaussian': gaussian,
  acgan,
  markov: markovGenerator('markov', {}),
  marginals: single('marginals', independentMarginals),
  'bayes-net': single('bayes-net', bayesNet),
  'dp-merf': single('dp-merf', dpMerf),
  'dp-gaussian-round': gaussianRound,
  hybrid: hybrid('hybrid', {}),
  'hybrid-full': hybrid('hybrid-full', { regressors: 'full', clipNorm: 7 }),
  'hybrid-exactmeds': hybrid('hybrid-exactmeds', { noiseless: 'discrete' }),
  'hybrid-exactbp': hybrid('hybrid-exactbp', { noiseless: 'continuous' }),
  'hybrid-noround': hybrid('hybrid-noround', { round: false }),
};

/** A registered generator, or a variant `base:key=value:key=value` of a parameterized one. */
export function generatorByName(spec: string): UtilityGenerator | undefined {
  const [base, ...kv] = spec.split(':');
  if (kv.length === 0) return GENERATORS[spec];
  const opts: Record<string, unknown> = {};
  for (const p of kv) {
    const [k, v] = p.split('=');
    opts[k] = v === 'true' ? true : v === 'false' ? false : Number.isNaN(Number(v)) ? v : Number(v);
  }
  const make = VARIANTS[base];
  return make ? { ...make(opts), name: spec } : undefined;
}

const VARIANTS: Record<string, (o: Record<string, unknown>) => UtilityGenerator> = {
  'gauss-floor': (o) => gaussianFloor('gauss-floor', Number(o.floorScale ?? 1), o.round === true),
  'dp-merf': (o) => single('dp-merf', (t, r) => dpMerf(t, { ...r, ...o })),
  markov: (o) => markovGenerator('markov', o as MarkovFamilyOptions),
  hybrid: (o) => hybrid('hybrid', o as Partial<HybridOptions>),
};
