/**
 * Utility benchmark: how well classifiers trained on a generator's synthetic
 * patients predict the arm of real ones, per generator, at a given epsilon.
 *
 *   npx tsx bench/utility.ts [--generators "real dp-gaussian acgan markov"] [--epsilon 1.6,8]
 *                            [--seeds 0,1,2] [--n 6000] [--json] [--messy] [--tuning]
 *   (also `npm run bench -- utility` and `npm run bench -- --json utility`,
 *   which run it once with the defaults: the four rows at epsilon 1.6, 3
 *   seeds, about 25 minutes on 2 cores, nearly all of it the AC-GAN's
 *   training; `--generators "real dp-gaussian markov"` takes 2 minutes.
 *   SPRINT_UTILITY_ARGS adds arguments when it is run through npm run bench,
 *   e.g. SPRINT_UTILITY_ARGS='--generators real,markov --seeds 0'.)
 *
 * With --json each row is one line of JSON on stdout: generator, epsilon
 * (the total of the generator's ledger; null without privacy), forest,
 * logistic, knn, svm (mean accuracy on the large test set over the seeds)
 * and forest_sd ... svm_sd, the held-out means and sds, the correlation
 * Spearman and the wall time. Progress goes to stderr.
 *
 * Setup (issue 25):
 * - training patients: the embedded cohort (simulateSprint seed 2015, 9361
 *   participants) preprocessed, the first 6000 by MASKID (splitCohort); the
 *   483 others are the small held-out set;
 * - the large test cohort: simulateSprint({ seed: 2016, participants: 32000 })
 *   preprocessed the same way (22,233 complete patients);
 * - each generator is fitted on the 6000 training patients at `--epsilon`
 *   (delta 1e-5), `--n` patients are sampled, turned into the original's
 *   integer features (lib/eval/units syntheticFeatures: truncation, clip at
 *   0), and forest / logistic / SVM / kNN (lib/eval/classifiers, paper
 *   defaults) are trained on them and tested on both real sets;
 * - per seed the generator's noise, its sample and the classifiers' seeds
 *   change; rows report mean and sd over the seeds, the Spearman of the 630
 *   feature correlations against the real training patients
 *   (correlationStructureAgreement), the total epsilon from the generator's
 *   ledger and the generator's wall time (fit + sample).
 * - `--tuning` replaces both cohorts by simulator seeds 2017 / 2018: where the
 *   generators' hyperparameters were chosen, away from the benchmark's
 *   patients; `--params JSON` overrides simulator parameters (diagnosis).
 * - `--messy` replaces both cohorts by a messier simulation (heavier skew,
 *   more wide readings) to check that a generator's advantage survives data
 *   that are less Gaussian than the embedded cohort.
 */
import { N_FEATURES, type Cohort } from '../lib/data/cohort';
import { parseSprint } from '../lib/data/load';
import { preprocessWithReport } from '../lib/data/preprocess';
import { simulateSprint, type SimulationParameters } from '../lib/data/simulate';
import { splitCohort } from '../lib/data/split';
import { createClassifier, type ClassifierName } from '../lib/eval/classifiers/index';
import { correlationStructureAgreement } from '../lib/eval/fidelity';
import { realFeatures, syntheticFeatures } from '../lib/eval/units';
import { Random } from '../lib/random';
import { DEFAULT_ROWS, GENERATORS, generatorByName, type UtilityGenerator } from './utility/generators';

export const UTILITY_DELTA = 1e-5;
export const LARGE_TEST = { seed: 2016, participants: 32000 } as const;
const CLASSIFIERS: ClassifierName[] = ['forest', 'logistic', 'knn', 'svm'];

/** Parameters of the `--messy` cohorts: heavier skew and outliers than the embedded ones. */
export const MESSY_PARAMETERS: Partial<SimulationParameters> = { skewB: 0.8, skewVisit: 0.6, pWide: 0.05, sdWide: 35 };

export function loadCohort(seed: number, participants: number, parameters?: Partial<SimulationParameters>) {
  const r = simulateSprint({ seed, participants, parameters });
  const enc = new TextEncoder();
  return preprocessWithReport(parseSprint('baseline.csv', enc.encode(r.baselineCsv), 'bp.csv', enc.encode(r.bpCsv)));
}

export interface UtilitySets {
  train: Cohort;
  holdout: Cohort;
  large: Cohort;
}

/**
 * The benchmark's sets; `tuning`: a separate pair of simulated cohorts
 * (seeds 2017 and 2018) on which hyperparameters are chosen without touching
 * the benchmark's training or test patients.
 */
export function utilitySets(messy = false, tuning = false, parameters?: Partial<SimulationParameters>): UtilitySets {
  const p = messy ? { ...MESSY_PARAMETERS, ...parameters } : parameters;
  const { train, test } = trainAndHoldout(tuning, p);
  const large = loadCohort(tuning ? 2018 : LARGE_TEST.seed, LARGE_TEST.participants, p).cohort;
  return { train, holdout: test, large };
}

/** The training patients and the held-out ones (the paper's split of the benchmark's cohort; see utilitySets). */
export function trainAndHoldout(tuning = false, parameters?: Partial<SimulationParameters>) {
  return splitCohort(loadCohort(tuning ? 2017 : 2015, 9361, parameters).cohort);
}

function accuracyOn(name: ClassifierName, seed: number, x: Float64Array, y: Uint8Array, n: number, tests: { x: Float64Array; y: Uint8Array }[]): number[] {
  const model = createClassifier(name, new Random(seed).derive(`utility:${name}`).seedWord);
  model.fit(x, n, N_FEATURES, y);
  return tests.map((t) => {
    const p = model.predict(t.x, t.y.length);
    let ok = 0;
    for (let i = 0; i < p.length; i++) if (p[i] === t.y[i]) ok++;
    return ok / p.length;
  });
}

function meanSd(v: number[]): { mean: number; sd: number } {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  return { mean: m, sd };
}

export interface UtilityRow {
  generator: string;
  epsilon: number | null;
  seeds: number[];
  forest: number; forest_sd: number;
  logistic: number; logistic_sd: number;
  knn: number; knn_sd: number;
  svm: number; svm_sd: number;
  holdout: Record<ClassifierName, { mean: number; sd: number }>;
  correlationSpearman: number;
  fitSeconds: number;
}

/** bench/index.ts runs this script in its `--json` mode too (one JSON row per line). */
export const JSON_ROWS = true;

export async function measureGenerator(gen: UtilityGenerator, sets: UtilitySets, epsilon: number, seeds: number[], n: number, log = (s: string) => console.error(s)): Promise<UtilityRow> {
  const tests = [
    { x: realFeatures(sets.large), y: sets.large.y },
    { x: realFeatures(sets.holdout), y: sets.holdout.y },
  ];
  const realX = realFeatures(sets.train);
  const acc: Record<string, number[][]> = {};
  const corr: number[] = [];
  const secs: number[] = [];
  let eps: number | null = null;
  for (const seed of seeds) {
    const t0 = performance.now();
    const out = await gen.run(sets.train, { epsilon, delta: UTILITY_DELTA, seed, n });
    secs.push((performance.now() - t0) / 1000);
    eps = out.epsilon;
    const x = out.real ? realFeatures(out.cohort) : syntheticFeatures(out.cohort);
    corr.push(correlationStructureAgreement({ n: sets.train.n, x: realX }, { n: out.cohort.n, x }, { nanPolicy: 'omit' }));
    for (const c of CLASSIFIERS) {
      const a = accuracyOn(c, seed, x, out.cohort.y, out.cohort.n, tests);
      (acc[c] ??= []).push(a);
    }
    log(`${gen.name} eps=${epsilon} seed ${seed}: ` + CLASSIFIERS.map((c) => `${c} ${acc[c][acc[c].length - 1].map((v) => v.toFixed(3)).join('/')}`).join(', ') + ` corr ${corr[corr.length - 1].toFixed(3)} ${secs[secs.length - 1].toFixed(1)} s`);
  }
  const large = (c: ClassifierName) => meanSd(acc[c].map((a) => a[0]));
  const row: UtilityRow = {
    generator: gen.name,
    epsilon: eps,
    seeds,
    forest: large('forest').mean, forest_sd: large('forest').sd,
    logistic: large('logistic').mean, logistic_sd: large('logistic').sd,
    knn: large('knn').mean, knn_sd: large('knn').sd,
    svm: large('svm').mean, svm_sd: large('svm').sd,
    holdout: Object.fromEntries(CLASSIFIERS.map((c) => [c, meanSd(acc[c].map((a) => a[1]))])) as UtilityRow['holdout'],
    correlationSpearman: meanSd(corr).mean,
    fitSeconds: meanSd(secs).mean,
  };
  return row;
}

export function formatRow(r: UtilityRow): string {
  const f = (m: number, s: number) => `${m.toFixed(3)}±${s.toFixed(3)}`;
  const h = (c: ClassifierName) => r.holdout[c].mean.toFixed(3);
  return [
    r.generator.padEnd(24),
    (r.epsilon === null ? 'inf' : r.epsilon.toFixed(3)).padStart(6),
    f(r.forest, r.forest_sd), f(r.logistic, r.logistic_sd), f(r.knn, r.knn_sd), f(r.svm, r.svm_sd),
    `${h('forest')}/${h('logistic')}/${h('knn')}/${h('svm')}`,
    r.correlationSpearman.toFixed(3),
    `${r.fitSeconds.toFixed(1)}s`,
  ].join('  ');
}

export const HEADER = 'generator                    eps  forest        logistic      knn           svm           holdout f/l/k/s          corr   fit';

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

export async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const messy = argv.includes('--messy');
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`npx tsx bench/utility.ts [--generators "${DEFAULT_ROWS.join(' ')}"] [--epsilon 1.6[,8,...|Infinity]] [--seeds 0,1,2]
      [--n 6000] [--json] [--messy] [--tuning] [--params '{"pWide":0}']   (also SPRINT_UTILITY_ARGS)
generators: ${Object.keys(GENERATORS).join(', ')}, or a variant such as markov:tableShare=0.3 or hybrid:floorScale=1:perArm=true`);
    return;
  }
  const names = (arg(argv, 'generators') ?? DEFAULT_ROWS.join(' ')).split(/[\s,]+/).filter(Boolean);
  const tuning = argv.includes('--tuning');
  const epsilons = (arg(argv, 'epsilon') ?? '1.6').split(',').map(Number);
  const seeds = (arg(argv, 'seeds') ?? '0,1,2').split(',').map(Number);
  const n = Number(arg(argv, 'n') ?? 6000);
  const t0 = performance.now();
  const params = arg(argv, 'params');
  const sets = utilitySets(messy, tuning, params ? (JSON.parse(params) as Partial<SimulationParameters>) : undefined);
  console.error(`train ${sets.train.n}, holdout ${sets.holdout.n}, large test ${sets.large.n}${messy ? ' (messy)' : ''}; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const rows: UtilityRow[] = [];
  for (const eps of epsilons) {
    for (const name of names) {
      const gen = generatorByName(name);
      if (!gen) throw new Error(`unknown generator ${name}; known: ${Object.keys(GENERATORS).join(', ')}`);
      const row = await measureGenerator(gen, sets, eps, seeds, n);
      rows.push(row);
      if (json) console.log(JSON.stringify(row));
      else console.log(formatRow(row));
    }
  }
  if (!json) console.log(['', HEADER, ...rows.map(formatRow)].join('\n'));
}

/** The command line plus SPRINT_UTILITY_ARGS (split at spaces; quote nothing). */
function commandLine(): string[] {
  const extra = (process.env.SPRINT_UTILITY_ARGS ?? '').split(/\s+/).filter(Boolean);
  return [...process.argv.slice(2), ...extra];
}

if (require.main === module) {
  main(commandLine()).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
