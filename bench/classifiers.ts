/**
 * Classifier benchmark: our lib/eval classifiers against scikit-learn on the
 * same data, in one run, side by side.
 *
 *   npx tsx bench/classifiers.ts [--n-train 6000] [--n-test 3000] [--seed 1] [--repeat 3] [--json]
 *   (also `npm run bench -- classifiers`, and in `npm run bench -- --json`;
 *   SPRINT_CLASSIFIERS_ARGS adds arguments there, e.g. '--n-train 1500 --repeat 1')
 *
 * Data: a seeded SPRINT-shaped two-class table (the generator of
 * bench/sklearn/make_fixture.py, re-written here with lib/random), written to
 * a temporary folder as CSV. scikit-learn's numbers come from
 * bench/sklearn/reference.py run by Debian's /usr/bin/python3 (install with
 * `apt-get install python3-sklearn`); without it only our side is printed.
 * Times are wall-clock seconds (best of --repeat); ratios are ours / sklearn
 * (below 1: we are faster). Both sides are single-threaded, except the
 * forest row marked with a thread count: every core on both sides (ours:
 * worker threads; scikit-learn: n_jobs=-1). Our linear SVM
 * (standardized features, the default) is timed against scikit-learn's
 * make_pipeline(StandardScaler(), LinearSVC()).
 *
 * --json: one row per classifier on stdout, `{ name, ours_ms, baseline_ms,
 * ratio, backend }` with the fit + predict times (what a user waits for) and
 * ratio = ours / scikit-learn; nothing is printed without scikit-learn.
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accuracy, KNearestNeighbors, LinearSvm, LogisticRegression, RandomForest, type Classifier } from '../lib/eval';
import { Random } from '../lib/random';

const PYTHON = '/usr/bin/python3';
const MAXIMA = [250, 150, 6];
const MONTHS = [0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27];

/** The command line plus SPRINT_CLASSIFIERS_ARGS (split at spaces), for runs through npm run bench. */
const ARGV = [...process.argv.slice(2), ...(process.env.SPRINT_CLASSIFIERS_ARGS ?? '').split(/\s+/).filter(Boolean)];

function arg(name: string, fallback: number): number {
  const i = ARGV.indexOf(`--${name}`);
  return i >= 0 ? Number(ARGV[i + 1]) : fallback;
}

/** Same model as bench/sklearn/make_fixture.py (different random stream). */
export function simulate(n: number, rng: Random): { x: Float64Array; y: Uint8Array } {
  const x = new Float64Array(n * 36);
  const y = new Uint8Array(n);
  const poisson = (lambda: number) => {
    let k = 0;
    let p = Math.exp(-lambda);
    let s = p;
    const u = rng.uniform();
    while (u > s) {
      k++;
      p *= lambda / k;
      s += p;
    }
    return k;
  };
  for (let i = 0; i < n; i++) {
    const arm = rng.int(0, 2);
    y[i] = arm;
    const sbp0 = rng.normal(140, 15);
    const dbp0 = 0.45 * sbp0 + rng.normal(15, 9);
    const classes0 = Math.min(poisson(1.8), 6);
    const response = Math.min(Math.max(rng.normal(1, 0.6), -0.5), 2.5);
    for (let v = 0; v < 12; v++) {
      const ramp = 1 - Math.exp(-MONTHS[v] / 2);
      const drop = (arm === 1 ? 8 + 12 * response : 8) * ramp;
      const extra = (arm === 1 ? 0.9 * Math.max(response, 0) : 0.3) * ramp;
      const raw = [
        Math.round(sbp0 - drop + rng.normal(0, 9)),
        Math.round(dbp0 - 0.5 * drop + rng.normal(0, 6)),
        Math.min(Math.max(Math.round(classes0 + extra + rng.normal(0, 0.6)), 0), 6),
      ];
      for (let m = 0; m < 3; m++) {
        const clipped = Math.min(Math.max(raw[m], 0), MAXIMA[m]);
        x[i * 36 + m * 12 + v] = Math.round((clipped / MAXIMA[m]) * 1e4) / 1e4;
      }
    }
  }
  return { x, y };
}

function writeCsv(path: string, x: Float64Array, y: Uint8Array): void {
  const lines = [Array.from({ length: 36 }, (_, j) => `f${j}`).concat('y').join(',')];
  for (let i = 0; i < y.length; i++) lines.push(Array.from(x.subarray(i * 36, (i + 1) * 36)).join(',') + ',' + y[i]);
  writeFileSync(path, lines.join('\n') + '\n');
}

interface Row {
  accuracy: number;
  fit_s: number;
  predict_s: number;
}

function measure(make: () => Classifier, train: { x: Float64Array; y: Uint8Array }, test: { x: Float64Array; y: Uint8Array }, repeat: number): Row {
  let best: Row = { accuracy: 0, fit_s: Infinity, predict_s: Infinity };
  for (let r = 0; r < repeat; r++) {
    const c = make();
    const t0 = performance.now();
    c.fit(train.x, train.y.length, 36, train.y);
    const t1 = performance.now();
    const pred = c.predict(test.x, test.y.length);
    const t2 = performance.now();
    best = {
      accuracy: accuracy(test.y, pred),
      fit_s: Math.min(best.fit_s, (t1 - t0) / 1000),
      predict_s: Math.min(best.predict_s, (t2 - t1) / 1000),
    };
  }
  return best;
}

function sklearnAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import sklearn'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** bench/index.ts runs this script in its `--json` mode too (one JSON row per line). */
export const JSON_ROWS = true;

function main(): void {
  const json = ARGV.includes('--json');
  const nTrain = arg('n-train', 6000);
  const nTest = arg('n-test', 3000);
  const seed = arg('seed', 1);
  const repeat = arg('repeat', 3);
  const rng = new Random(seed);
  const train = simulate(nTrain, rng.derive('train'));
  const test = simulate(nTest, rng.derive('test'));
  const dir = mkdtempSync(join(tmpdir(), 'bench-classifiers-'));
  const trainCsv = join(dir, 'train.csv');
  const testCsv = join(dir, 'test.csv');
  writeCsv(trainCsv, train.x, train.y);
  writeCsv(testCsv, test.x, test.y);
  // String(x) round-trips doubles exactly, so scikit-learn reads the very numbers we use.

  // Warm up the JIT on a small slice.
  const warm = { x: train.x.subarray(0, 200 * 36), y: train.y.subarray(0, 200) };
  for (const c of [new RandomForest(), new LogisticRegression(), new LinearSvm(), new KNearestNeighbors()]) c.fit(warm.x, 200, 36, warm.y).predict(warm.x, 200);

  const cores = os.availableParallelism();
  new RandomForest({ nEstimators: cores, threads: cores }).fit(train.x, nTrain, 36, train.y); // start the worker threads
  const ours: Record<string, Row> = {
    forest10: measure(() => new RandomForest({ nEstimators: 10, seed: 0, threads: 1 }), train, test, repeat),
    forest100: measure(() => new RandomForest({ nEstimators: 100, seed: 0, threads: 1 }), train, test, repeat),
    forest100_all_cores: measure(() => new RandomForest({ nEstimators: 100, seed: 0, threads: cores }), train, test, repeat),
    logistic_lbfgs: measure(() => new LogisticRegression(), train, test, repeat),
    logistic_liblinear: measure(() => new LogisticRegression({ penalizeIntercept: true }), train, test, repeat),
    svm: measure(() => new LinearSvm(), train, test, repeat),
    knn: measure(() => new KNearestNeighbors(), train, test, repeat),
  };

  let theirs: Record<string, Row & { sklearn?: string }> | null = null;
  let version = '';
  if (sklearnAvailable()) {
    const out = execFileSync(
      PYTHON,
      [join(__dirname, 'sklearn', 'reference.py'), trainCsv, testCsv, '--trees', '10', '100', '--seeds', '1', '--repeat', String(repeat)],
      // One thread for scikit-learn too: its kNN (OpenMP) and BLAS would otherwise use every core.
      { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } },
    );
    const parsed = JSON.parse(out);
    version = parsed.sklearn;
    theirs = parsed;
  }
  rmSync(dir, { recursive: true, force: true });

  const labels: Record<string, string> = {
    forest10: 'random forest, 10 trees',
    forest100: 'random forest, 100 trees',
    forest100_all_cores: `random forest, 100 trees, ${cores} threads`,
    logistic_lbfgs: 'logistic (lbfgs objective)',
    logistic_liblinear: 'logistic (liblinear objective)',
    svm: 'linear SVM (standardized)',
    knn: 'kNN, k=5',
  };
  /** scikit-learn's counterpart of each of our rows. */
  const baselineKey: Record<string, string> = { svm: 'svm_standardized' };
  const baseline = (key: string) => theirs?.[baselineKey[key] ?? key];
  if (json) {
    if (!theirs) {
      console.error(`bench/classifiers: scikit-learn unavailable (${PYTHON} cannot import sklearn; apt-get install python3-sklearn): no rows`);
      return;
    }
    for (const key of Object.keys(ours)) {
      const o = ours[key];
      const t = baseline(key)!;
      const oursMs = (o.fit_s + o.predict_s) * 1000;
      const baseMs = (t.fit_s + t.predict_s) * 1000;
      const row = {
        name: `classifiers: ${labels[key]}, fit+predict ${nTrain}x36 -> ${nTest} (accuracy ${o.accuracy.toFixed(4)} vs ${t.accuracy.toFixed(4)})`,
        ours_ms: oursMs,
        baseline_ms: baseMs,
        ratio: oursMs / baseMs,
        backend: key.endsWith('all_cores') ? `JavaScript, ${cores} threads / scikit-learn ${version}, n_jobs=-1` : `JavaScript, 1 thread / scikit-learn ${version}, 1 thread`,
      };
      console.log(JSON.stringify(row));
    }
    return;
  }
  console.log(`train ${nTrain} x 36, test ${nTest}, seed ${seed}, best of ${repeat}; node ${process.version}`);
  if (!theirs) console.log(`scikit-learn baseline unavailable (${PYTHON} cannot import sklearn): our numbers only`);
  else console.log(`scikit-learn ${version} via ${PYTHON}; ratio = ours / sklearn`);
  const pad = (s: string, w: number) => s.padEnd(w);
  const num = (v: number | undefined, d = 3) => (v === undefined ? '-' : v.toFixed(d));
  console.log(
    [pad('classifier', 32), pad('fit s', 8), pad('sk fit', 8), pad('ratio', 7), pad('pred s', 8), pad('sk pred', 8), pad('ratio', 7), pad('total', 7), pad('acc', 7), pad('sk acc', 7)].join(' '),
  );
  for (const key of Object.keys(ours)) {
    const o = ours[key];
    const t = baseline(key);
    console.log(
      [
        pad(labels[key], 32),
        pad(num(o.fit_s), 8),
        pad(num(t?.fit_s), 8),
        pad(t ? (o.fit_s / t.fit_s).toFixed(2) : '-', 7),
        pad(num(o.predict_s), 8),
        pad(num(t?.predict_s), 8),
        pad(t ? (o.predict_s / t.predict_s).toFixed(2) : '-', 7),
        pad(t ? ((o.fit_s + o.predict_s) / (t.fit_s + t.predict_s)).toFixed(2) : '-', 7),
        pad(num(o.accuracy, 4), 7),
        pad(num(t?.accuracy, 4), 7),
      ].join(' '),
    );
  }
}

// Only when run as a script: bench/index.ts requires every file to look for bench* exports.
if (require.main === module) main();
