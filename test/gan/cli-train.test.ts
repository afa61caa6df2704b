/**
 * `sprint-gan train`'s model and optimizer options, end to end in a child
 * process: --arch NAME, --beta1 and --clip-generated reach run.json, a bad name is refused with
 * the list of names and nothing written.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..', '..');
const bin = path.join(repo, 'bin', 'sprint-gan.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sprint-cli-train-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function train(args: string[]) {
  return spawnSync(process.execPath, [bin, 'train', '--quiet', '--backend', 'wasm', ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, SPRINT_DATA_DIR: '', SPRINT_THREADS: '1' },
    timeout: 120_000,
  });
}

describe('sprint-gan train options', () => {
  it('--arch compact, --beta1 and --clip-generated reach the run', () => {
    const out = path.join(tmp, 'compact');
    const r = train(['--arch', 'compact', '--beta1', '0.9', '--mode', 'batched', '--batch-size', '4', '--train-size', '40',
      '--steps-per-epoch', '2', '--epochs', '1', '--noise', '1.1', '--clip', '1', '--clip-generated', '--lr', '1e-3', '--out', out]);
    expect(r.stderr + r.stdout).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run.config.beta1).toBe(0.9);
    expect(run.config.clipGenerated).toBe(true);
    expect(run.config.architecture.dDense).toEqual([32, 32]);
    expect(run.config.architecture.dConvFilters).toEqual([8, 16]);
    expect(run.config.architecture.gConvFilters).toBe(256);
    expect(run.discriminatorParams).toBe(8579);
  });

  it('refuses an unknown --arch with the names, writing nothing', () => {
    const out = path.join(tmp, 'bad');
    const r = train(['--arch', 'huge', '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("unknown architecture 'huge': expected one of paper, compact, tiny");
    expect(fs.existsSync(out)).toBe(false);
  });
});
