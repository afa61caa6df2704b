/**
 * The generators bench/utility.ts measures, behind one small interface:
 * fit on the training cohort at (epsilon, delta), sample n patients.
 *
 * DEFAULT_ROWS are the benchmark's rows (real, the DP Gaussian baseline, the
 * Markov-Gaussian generator of lib/generators/markov). The others are the
 * candidates measured and dropped (docs/private-utility.md), kept so their
 * rows can be re-measured: marginals, bayes-net, dp-merf (./prototypes), the
 * prototype of the Markov-Gaussian model with its switches
 * (`hybrid:key=value:...`, ./prototypes/hybrid.ts), and the DP Gaussian with
 * rounded values or a noise-scaled eigenvalue floor (`gauss-floor`).
 */
import type { Cohort } from '../../lib/data/cohort';
import { addToLedger, calibrateGaussianNoise, releaseFromCohort, sampleGaussianCohort } from '../../lib/generators/gaussian/model';
import { PrivacyLedger } from '../../lib/privacy/ledger';
import * as markov from '../../lib/generators/markov';
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
  run(train: Cohort, o: { epsilon: number; delta: number; seed: number; n: number }): GeneratorRun;
}

const real: UtilityGenerator = {
  name: 'real',
  run: (train) => ({ cohort: train, epsilon: null, real: true }),
};

const gaussian: UtilityGenerator = {
  name: 'dp-gaussian',
  run(train, { epsilon, delta, seed, n }) {
    const priv = Number.isFinite(epsilon);
    const noise = priv ? calibrateGaussianNoise(epsilon, delta) : { meanNoise: 0, covarianceNoise: 0 };
    const opts = { clipNorm: priv ? 6 : Infinity, ...noise, seed };
    const model = releaseFromCohort(train, opts);
    const eps = priv ? addToLedger(new PrivacyLedger(), opts).epsilon(delta) : null;
    return { cohort: sampleGaussianCohort(model, n, train.maxima, seed), epsilon: eps };
  },
};

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
  run: (train, o) => {
    const r = gaussian.run(train, o);
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

function markovGenerator(name: string, extra: Partial<markov.MarkovOptions>): UtilityGenerator {
  return {
    name,
    run(train, { epsilon, delta, seed, n }) {
      const model = markov.fit(train, { targetEpsilon: epsilon, delta, seed, ...extra });
      return { cohort: markov.sample(model, n, seed, { maxima: train.maxima }), epsilon: model.privacy ? model.privacy.epsilon : null };
    },
  };
}

export const DEFAULT_ROWS = ['real', 'dp-gaussian', 'markov'];

export const GENERATORS: Record<string, UtilityGenerator> = {
  real,
  'dp-gaussian': gaussian,
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
  markov: (o) => markovGenerator('markov', o as Partial<markov.MarkovOptions>),
  hybrid: (o) => hybrid('hybrid', o as Partial<HybridOptions>),
};
