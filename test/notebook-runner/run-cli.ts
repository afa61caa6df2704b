/** The notebook runner's command line, run in this process (test helper for runner.test.ts and kernels.test.ts). */
import * as path from 'node:path';
import { runCli } from '../../tools/notebook-runner/cli';

/** Runs the runner with `args`, failed notebooks kept under `dir`/failed; its exit code and printed lines. */
export async function runRunner(args: string[], dir: string): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runCli([...args, '--failed-dir', path.join(dir, 'failed')], (s) => lines.push(s));
  return { code, out: lines.join('\n') };
}
