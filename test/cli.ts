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
  /** The signal that ended the command, if one did. */
  signal?: string;
  stdout: string;
  stderr: string;
}

/**
 * A command still running after this long is killed (SIGKILL): every CLI test
 * has given up by then (vitest's 60 s), and without it a test that times out
 * leaves its child running, e.g. a wrongly accepted option training for hours.
 */
export const CLI_KILL_AFTER_MS = 120_000;

/**
 * `sprint-gan ...args` from the repository root with the embedded data
 * (SPRINT_DATA_DIR emptied) and `env` on top; resolves with the exit code and
 * output, also for a failing command (code null and signal SIGKILL for one
 * killed after `killAfterMs`, default {@link CLI_KILL_AFTER_MS}; a test that
 * runs longer commands, such as a sweep, passes its own).
 */
export async function sprintGan(args: string[], env: NodeJS.ProcessEnv = {}, killAfterMs = CLI_KILL_AFTER_MS): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SPRINT_GAN_BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, SPRINT_DATA_DIR: '', ...env },
      timeout: killAfterMs,
      killSignal: 'SIGKILL',
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; signal?: string; stdout: string; stderr: string };
    return { code: e.code, signal: e.signal, stdout: e.stdout, stderr: e.stderr };
  }
}
