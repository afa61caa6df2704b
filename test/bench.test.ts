/**
 * bench/index.ts, the `npm run bench` driver: `--json` prints nothing but the
 * JSON array, and a standalone benchmark script runs exactly once in text
 * mode (the driver requires every file to find bench* exports, so a script
 * must not run on being required); the utility bench, which opts in, runs
 * once in --json mode too and its rows join the array.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const bench = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, [require.resolve('tsx/cli'), 'bench/index.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 16 << 20 });
/** The utility bench cut down to one generator and one seed (about 10 s). */
const SMALL_UTILITY = { SPRINT_UTILITY_ARGS: '--generators markov --seeds 0' };

describe('npm run bench', () => {
  it('--json with only standalone scripts selected prints an empty JSON array and nothing else', async () => {
    const { stdout } = await bench(['--json', 'classifiers', 'privacy']);
    expect(JSON.parse(stdout)).toEqual([]);
  });

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
