/**
 * Runs the `sprint-gan` CLI in a child process, as a user would, for the CLI
 * tests of every command.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
export const SPRINT_GAN_BIN = path.join(ROOT, 'bin', 'sprint-gan.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `sprint-gan ...args` from the repository root with the embedded data
 * (SPRINT_DATA_DIR emptied) and `env` on top; resolves with the exit code and
 * output, also for a failing command.
 */
export async function sprintGan(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SPRINT_GAN_BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, SPRINT_DATA_DIR: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
