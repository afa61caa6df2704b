/**
 * bench/index.ts, the `npm run bench` driver: `--json` prints nothing but the
 * JSON array, and a standalone benchmark script runs exactly once in text
 * mode (the driver requires every file to find bench* exports, so a script
 * must not run on being required); the utility bench, which opts in, runs
 * once in --json mode too and its rows join the array.
 */
import { describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const sklearnInstalled = () => spawnSync('/usr/bin/python3', ['-c', 'import sklearn']).status === 0;
const ROOT = path.resolve(__dirname, '..');
const bench = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, [require.resolve('tsx/cli'), 'bench/index.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 16 << 20 });
/** The utility bench cut down to one generator and one seed (about 10 s). */
const SMALL_UTILITY = { SPRINT_UTILITY_ARGS: '--generators markov --seeds 0' };

describe('npm run bench', () => {
  it('--json with only standalone scripts selected prints an empty JSON array and nothing else', async () => {
    const { stdout } = await bench(['--json', 'privacy']);
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it('--json classifiers gives one row per classifier: fit+predict against scikit-learn in the same run, ratio = ours / theirs', async () => {
    const { stdout, stderr } = await bench(['--json', 'classifiers'], { SPRINT_CLASSIFIERS_ARGS: '--n-train 1500 --n-test 500 --repeat 1' });
    const rows = JSON.parse(stdout) as { name: string; ours_ms: number; baseline_ms: number; ratio: number; backend: string }[];
    if (!sklearnInstalled()) {
      // CI installs python3-sklearn (.ci/run) and must not get here; elsewhere the bench says why it has no rows.
      expect(process.env.CI, 'python3-sklearn is required under CI=true').not.toBe('true');
      expect(rows).toEqual([]);
      expect(stderr).toMatch(/scikit-learn unavailable .*apt-get install python3-sklearn.*: no rows/);
      return;
    }
    expect(rows.map((r) => r.name.split(',')[0])).toEqual([
      'classifiers: random forest',
      'classifiers: random forest',
      'classifiers: random forest',
      'classifiers: logistic (lbfgs objective)',
      'classifiers: logistic (liblinear objective)',
      'classifiers: linear SVM (standardized)',
      'classifiers: kNN',
    ]);
    for (const r of rows) {
      expect(r.name).toMatch(/fit\+predict 1500x36 -> 500 \(accuracy 0\.\d{4} vs 0\.\d{4}\)/);
      expect(r.ours_ms).toBeGreaterThan(0);
      expect(r.baseline_ms).toBeGreaterThan(0);
      expect(r.ratio).toBeCloseTo(r.ours_ms / r.baseline_ms, 12);
    }
    expect(rows[2].name).toMatch(/100 trees, \d+ threads/);
    expect(rows[2].backend).toMatch(/threads \/ scikit-learn .*n_jobs=-1/);
    expect(rows[0].backend).toMatch(/1 thread \/ scikit-learn .*1 thread/);
  }, 180_000);

  it('--json threads trains one epoch with 1 thread and with every core, times one-thread epochs side by side, and rates a step against our gemm peak', async () => {
    const { stdout } = await bench(['--json', 'threads'], { SPRINT_THREADS_BENCH_ARGS: '--patients 128 --repeat 1' });
    const rows = JSON.parse(stdout) as { name: string; ours_ms: number; baseline_ms: number; ratio: number; backend: string }[];
    expect(rows[0].name).toMatch(/^training epoch, AC-GAN batched recipe \(compact, batch 64, DP, 2 steps, 4 chunks\): \d+ threads vs 1 thread$/);
    expect(rows[0].ratio).toBeCloseTo(rows[0].ours_ms / rows[0].baseline_ms, 12);
    // With more than one core, the machine's own scaling: that many 1-thread epochs at once.
    const threads = Number(/(\d+) threads vs/.exec(rows[0].name)?.[1]);
    expect(rows).toHaveLength(threads > 1 ? 3 : 2);
    if (threads > 1) {
      const ceiling = /^machine: (\d+) one-thread epochs at once in separate processes vs one alone \(the cores' own scaling: (\d+) threads can be at most ([\d.]+)x faster than 1 here\)$/.exec(rows[1].name);
      expect(ceiling).not.toBeNull();
      expect(Number(ceiling?.[1])).toBe(threads);
      expect(Number(ceiling?.[2])).toBe(threads);
      expect(Number(ceiling?.[3])).toBeCloseTo(threads / rows[1].ratio, 2);
      expect(rows[1].ratio).toBeCloseTo(rows[1].ours_ms / rows[1].baseline_ms, 12);
    }
    const step = rows[rows.length - 1];
    expect(step.name).toMatch(/^training step, batch 64 \(1 thread\): [\d.]+ GFLOP\/s in products and convolutions \([\d.]+ GFLOP a step\) vs our wasm SIMD gemm's [\d.]+ GFLOP\/s on one core$/);
    // A step cannot beat the peak of the kernel that does its products.
    expect(step.ratio).toBeGreaterThan(1);
  }, 180_000);

  it('runs a standalone script once in text mode', async () => {
    const { stdout } = await bench(['privacy']);
    expect(stdout).toContain('## privacy.ts (standalone)');
    expect(stdout.match(/paper setting: RDP classic \(orders 2\.\.33\) 1\.8934/g)).toHaveLength(1);
  });

  it('--json utility runs the utility bench once and returns its rows: generator, total epsilon, the four accuracies and their sd', async () => {
    const { stdout } = await bench(['--json', 'utility'], SMALL_UTILITY);
    const rows = JSON.parse(stdout) as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    const row = rows[0];
    expect(row).toMatchObject({ generator: 'markov', seeds: [0] });
    expect(row.epsilon as number).toBeGreaterThan(1.59);
    expect(row.epsilon as number).toBeLessThanOrEqual(1.6);
    for (const c of ['forest', 'logistic', 'knn', 'svm']) {
      expect(row[c] as number).toBeGreaterThan(0.7);
      expect(row[c] as number).toBeLessThan(1);
      expect(row[`${c}_sd`]).toBe(0); // one seed
    }
  }, 120_000);

  it('runs the utility bench once in text mode, with its table', async () => {
    const { stdout } = await bench(['utility'], SMALL_UTILITY);
    expect(stdout.match(/## utility\.ts \(standalone\)/g)).toHaveLength(1);
    expect(stdout.match(/^generator +eps +forest/gm)).toHaveLength(1);
    expect(stdout.match(/^markov +1\.600 /gm)).toHaveLength(2); // the row as measured, then in the table
  }, 120_000);
});
