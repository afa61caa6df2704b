/**
 * Notebook runner vs `jupyter nbconvert --execute` on the same notebook.
 *
 * Both start a fresh tslab kernel from the same kernelspec and run every cell;
 * nbconvert needs Python with jupyter-nbconvert (Debian: `apt-get install
 * jupyter-nbconvert`), ours needs nothing but Node. Prints wall times and the ratio.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { runCli } from '../tools/notebook-runner/cli';
import { REPO_ROOT } from '../tools/notebook-runner/kernel';
import { readNotebook, tagsOf, writeNotebook } from '../tools/notebook-runner/notebook';

export interface BenchRow {
  name: string;
  ours_ms: number;
  baseline_ms: number | null;
  ratio: number | null;
  backend: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchRunner(repeats = 3): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-runner-'));
  const nb = readNotebook(path.join(REPO_ROOT, 'test/notebook-runner/fixtures/pass.ipynb'));
  // nbconvert has no nbval tags: drop the cells that only make sense with them.
  nb.cells = nb.cells.filter((c) => !tagsOf(c).some((t) => t.startsWith('nbval-')));
  const file = path.join(dir, 'bench.ipynb');
  writeNotebook(file, nb);
  const ours: number[] = [];
  const theirs: number[] = [];
  let nbconvert = true;
  for (let i = 0; i < repeats; i++) {
    let t0 = Date.now();
    await runCli([file, '--update', '--failed-dir', dir], () => undefined);
    ours.push(Date.now() - t0);
    if (!nbconvert) continue;
    t0 = Date.now();
    try {
      execFileSync('/usr/bin/python3', ['-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.kernel_name=tslab', file, '--output', 'out.ipynb'], {
        cwd: dir,
        env: { ...process.env, JUPYTER_PATH: REPO_ROOT },
        stdio: 'ignore',
      });
      theirs.push(Date.now() - t0);
    } catch {
      nbconvert = false;
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const o = median(ours);
  const b = theirs.length ? median(theirs) : null;
  return [{ name: 'run fixture notebook (7 cells, fresh kernel)', ours_ms: o, baseline_ms: b, ratio: b ? o / b : null, backend: 'tslab kernel; baseline jupyter nbconvert --execute' }];
}

if (require.main === module) {
  benchRunner().then((rows) => console.log(JSON.stringify(rows, null, 1)));
}
