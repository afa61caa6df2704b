/**
 * bench/index.ts, the `npm run bench` driver: `--json` prints nothing but the
 * JSON array, and a standalone benchmark script runs exactly once in text
 * mode (the driver requires every file to find bench* exports, so a script
 * must not run on being required).
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const bench = (args: string[]) => run(process.execPath, [require.resolve('tsx/cli'), 'bench/index.ts', ...args], { cwd: ROOT });

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
});
