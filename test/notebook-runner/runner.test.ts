/**
 * The headless runner against real tslab kernels, on fixture notebooks.
 * Each case copies fixtures into a temp folder so the committed ones never change.
 */
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRunner } from './run-cli';
import { runNotebook } from '../../tools/notebook-runner/run';
import { kernelArgv } from '../../tools/notebook-runner/kernel';
import { readNotebook } from '../../tools/notebook-runner/notebook';
import { parseConfig } from '../../tools/notebook-runner/config';
import { validateNotebookJson } from '../../tools/notebook-runner/validate';
import type { Notebook } from '../../tools/notebook-runner/notebook';

const FIXTURES = path.join(__dirname, 'fixtures');
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-test-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Copies the config and the named fixture into a fresh folder; returns the notebook path. */
function workspace(name: string, fixture = 'pass.ipynb'): string {
  const d = path.join(dir, name);
  fs.mkdirSync(d, { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, 'runner.config.json'), path.join(d, 'runner.config.json'));
  const target = path.join(d, fixture);
  fs.copyFileSync(path.join(FIXTURES, fixture), target);
  return target;
}

/** Writes a notebook made of the given code cells (sources) into a fresh folder. */
function notebookOf(name: string, sources: Array<string | [string, string[]]>): string {
  const d = path.join(dir, name);
  fs.mkdirSync(d, { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, 'runner.config.json'), path.join(d, 'runner.config.json'));
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    cells: sources.map((s, i) => {
      const [source, tags] = Array.isArray(s) ? s : [s, []];
      return { cell_type: 'code', id: `cell${i + 1}`, metadata: tags.length ? { tags } : {}, source, outputs: [], execution_count: null };
    }),
  };
  const file = path.join(d, `${name}.ipynb`);
  fs.writeFileSync(file, JSON.stringify(nb));
  return file;
}

const cli = (args: string[]) => runRunner(args, dir);

function hasPythonNbformat(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import nbformat'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pids of live processes whose working directory is inside `folder` (Linux /proc). */
function processesIn(folder: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readlinkSync(`/proc/${entry}/cwd`).startsWith(folder)) pids.push(Number(entry));
    } catch {
      // process gone or not ours
    }
  }
  return pids;
}

describe('notebook runner', () => {
  it('passes the committed fixture, whose outputs hold timestamps, durations, a progress bar and an expected error', async () => {
    const file = workspace('pass');
    const before = fs.readFileSync(file, 'utf8');
    const { code, out } = await cli([file]);
    expect(out).toMatch(/^PASS .*pass\.ipynb/m);
    expect(out.trim().split('\n').pop()).toBe('1 passed, 0 failed');
    expect(code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(before); // never writes without --update
  });

  it('fails on a changed stored output with a diff naming notebook and cell; --update restores it byte for byte', async () => {
    const file = workspace('changed');
    const original = fs.readFileSync(file, 'utf8');
    expect(original).toContain('demo 0,1,4');
    fs.writeFileSync(file, original.replace('demo 0,1,4', 'demo 0,1,5'));
    const { code, out } = await cli([file]);
    expect(code).toBe(1);
    expect(out).toMatch(/FAIL .*changed\/pass\.ipynb/);
    expect(out).toContain('cell 3 [c2]');
    expect(out).toContain('- demo 0,1,5');
    expect(out).toContain('+ demo 0,1,4');
    expect(out.trim().split('\n').pop()).toBe('0 passed, 1 failed');
    expect(fs.existsSync(path.join(dir, 'failed', 'pass.ipynb'))).toBe(true);

    expect((await cli([file, '--update'])).code).toBe(0);
    const updated = fs.readFileSync(file, 'utf8');
    expect(updated).toBe(original);
    expect((await cli([file, '--update'])).code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(updated); // a second --update is byte-identical
    expect(validateNotebookJson(JSON.parse(updated))).toEqual([]);
    // Cross-check with the reference validator where Debian's python3-nbformat is
    // installed (.ci/run installs it, so CI always runs this).
    if (hasPythonNbformat()) {
      expect(execFileSync('/usr/bin/python3', ['-c', 'import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4)); print("valid")', file], { encoding: 'utf8' }).trim()).toBe('valid');
    } else if (process.env.CI) {
      throw new Error('CI must install python3-nbformat (see .ci/run) to validate written notebooks');
    }
  });

  it('fails on a runtime error, names the cell, and does not run later cells', async () => {
    const file = notebookOf('runtime', ['console.log("one")', 'throw new Error("boom in cell two")', 'console.log("three")']);
    const { code, out } = await cli([file]);
    expect(code).toBe(1);
    expect(out).toContain('cell 2 [cell2] throw new Error("boom in cell two")');
    expect(out).toContain('the cell raised an error');
    expect(out).toContain('Error: boom in cell two');
    expect(out).toContain('1 later cell(s) not run: 3');
  });

  it('fails on a TypeScript compile error (stderr text plus status error)', async () => {
    const file = notebookOf('compile', ['const x: number = "not a number";']);
    const { code, out } = await cli([file]);
    expect(code).toBe(1);
    expect(out).toMatch(/Type 'string' is not assignable to type 'number'/);
  });

  it('requires an error in nbval-raises cells', async () => {
    const file = notebookOf('raises', [['console.log("fine")', ['nbval-raises']]]);
    const { code, out } = await cli([file]);
    expect(code).toBe(1);
    expect(out).toContain('expected an error (tag nbval-raises)');
  });

  it('times out an infinite loop, kills the kernel and leaves no process behind', async () => {
    const file = notebookOf('loop', ['console.log("start")', 'while (true) {}', 'console.log("never")']);
    const t0 = Date.now();
    const { code, out } = await cli([file, '--timeout', '3']);
    expect(code).toBe(1);
    expect(out).toContain('cell 2 [cell2] while (true) {}');
    expect(out).toContain('timed out after 3 s; the kernel was killed');
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(processesIn(path.dirname(file))).toEqual([]);
  });

  it('fails when the kernel dies', async () => {
    const file = notebookOf('death', ['process.exit(3)']);
    const { code, out } = await cli([file]);
    expect(code).toBe(1);
    expect(out).toMatch(/kernel died while running the cell \(exit code 3\)/);
  });

  it('fails on an asynchronous error that surfaces after its cell finished', async () => {
    const file = notebookOf('async', ['setTimeout(() => { throw new Error("late failure"); }, 50); console.log("returned")', 'console.log("next")']);
    const { code, out } = await cli([file]);
    expect(code).toBe(1);
    // Charged to cell 1 when it arrives after cell 1's idle and before cell 2 starts,
    // else to cell 2 (tslab sends it with the running cell); caught either way.
    expect(out).toMatch(/an asynchronous error surfaced (after the cell finished|while this cell ran)/);
    expect(out).toContain('late failure');
  });

  it('fails when an asynchronous error lands in a later cell', async () => {
    const file = notebookOf('async-later', ['setTimeout(() => { throw new Error("lands later"); }, 300); console.log("returned")', 'await new Promise((r) => setTimeout(r, 1000)); console.log("waited")', 'console.log("never")']);
    const { code, out } = await cli([file]);
    expect(code).toBe(1);
    expect(out).toContain('cell 2 [cell2]');
    expect(out).toContain('an asynchronous error surfaced while this cell ran');
    expect(out).toContain('lands later');
    expect(out).toContain('1 later cell(s) not run: 3');
  });

  it("detects tslab's silent abort of a cell sent right after an error", async () => {
    const file = notebookOf('abort', [['throw new Error("expected")', ['nbval-raises']], 'console.log("silently dropped?")']);
    const nb = readNotebook(file);
    const config = parseConfig('{}');
    const r = await runNotebook(file, nb, { timeout: 20, config, update: true, afterErrorMs: 0 });
    expect(r.passed).toBe(false);
    expect(r.cells[1].problems.join()).toMatch(/tslab aborted this cell/);
    // With the runner's normal pause after an error, the same notebook passes.
    const ok = await runNotebook(file, nb, { timeout: 20, config, update: true });
    expect(ok.cells.map((c) => c.status)).toEqual(['passed', 'passed']);
  });

  it('reports a kernel that cannot be started', async () => {
    const file = notebookOf('nokernel', ['1']);
    const r = await runNotebook(file, readNotebook(file), {
      timeout: 5,
      config: parseConfig('{}'),
      update: false,
      kernel: { argv: () => ['/nonexistent/tslab', 'kernel'], startTimeout: 5 },
    });
    expect(r.passed).toBe(false);
    expect(r.error).toMatch(/could not start the tslab kernel/);
  });

  it('retries on new ports when a kernel dies of EADDRINUSE', async () => {
    const file = notebookOf('eaddrinuse', ['console.log("started")']);
    let calls = 0;
    const r = await runNotebook(file, readNotebook(file), {
      timeout: 20,
      config: parseConfig('{}'),
      update: true,
      kernel: {
        argv: (conn) => (++calls === 1 ? [process.execPath, '-e', 'console.error("Error: listen EADDRINUSE: address already in use"); process.exit(1)'] : kernelArgv(conn)),
      },
    });
    expect(calls).toBe(2);
    expect(r.passed).toBe(true);
  });

  it('retries at once when a port was taken before tslab bound it (tslab logs it and stays alive)', async () => {
    const file = notebookOf('porttaken', ['console.log("started")']);
    const taken = net.createServer();
    const retries: string[] = [];
    let calls = 0;
    try {
      const r = await runNotebook(file, readNotebook(file), {
        timeout: 20,
        config: parseConfig('{}'),
        update: true,
        kernel: {
          argv: (conn) => {
            // The first kernel finds its shell port taken, as when another process wins the race.
            if (++calls === 1) taken.listen(JSON.parse(fs.readFileSync(conn, 'utf8')).shell_port, '127.0.0.1');
            return kernelArgv(conn);
          },
          startTimeout: 60,
          onRetry: (why) => retries.push(why),
        },
      });
      expect(calls).toBe(2);
      expect(retries).toHaveLength(1);
      expect(retries[0]).toMatch(/could not bind its ports: UnhandledPromiseRejection: \[Error: Address already in use\]/);
      expect(r.passed).toBe(true);
      // Well under the 60 s start timeout: the conflict is seen in the kernel's output, not waited out.
      expect(r.durationMs).toBeLessThan(45_000);
    } finally {
      taken.close();
    }
  });

  it('gives up on a kernel that never answers, with its output, after one retry', async () => {
    const file = notebookOf('silent', ['1']);
    let calls = 0;
    const r = await runNotebook(file, readNotebook(file), {
      timeout: 5,
      config: parseConfig('{}'),
      update: false,
      kernel: {
        argv: () => (++calls, [process.execPath, '-e', 'console.error("stuck loading"); setInterval(() => {}, 1000)']),
        startTimeout: 2,
        onRetry: () => {},
      },
    });
    expect(calls).toBe(2);
    expect(r.passed).toBe(false);
    expect(r.error).toMatch(/did not answer kernel_info within 2 s; its output:\nstuck loading/);
  });

  it('injects parameters from a profile and --param, records them, and type-checks them', async () => {
    const file = workspace('params');
    const { code } = await cli([file, '--update', '--profile', 'big', '--param', 'n=4']);
    expect(code).toBe(0);
    const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook & { cells: Array<{ source: string[]; outputs: Array<{ text?: string[] }> }> };
    expect(nb.cells[2].source.join('')).toBe('// Parameters injected by the notebook runner (profile big, --param n=4).\nn = 4;\nlabel = "big";\nvoid 0;');
    expect(nb.cells[2].outputs).toEqual([]); // not the value of the last assignment
    expect(nb.cells[3].outputs[0].text).toEqual(['big 0,1,4,9\n']);
    expect(nb.metadata.sprint_runner).toEqual({ injected_parameters: { n: 4, label: 'big' }, origin: 'profile big, --param n=4' });
    // A wrongly typed value is a TypeScript error in the injected cell.
    const bad = await cli([workspace('params-bad'), '--param', 'n="four"']);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/Type 'string' is not assignable to type 'number'/);
    // Unknown parameters and profiles are refused before any kernel starts.
    expect((await cli([workspace('params-unknown'), '--param', 'epochs=3'])).out).toMatch(/no notebook among those run declares 'epochs'/);
    expect((await cli([workspace('params-profile'), '--profile', 'nope'])).out).toMatch(/unknown profile 'nope'.*defines: small, big/);
  });

  it('with injected values, executes without comparing (stored outputs are the defaults\'), still failing on errors', async () => {
    const file = workspace('execute-only');
    const before = fs.readFileSync(file, 'utf8');
    // The stored outputs come from n's default; with n = 5 they differ, and the notebook still passes.
    const run = await cli([file, '--profile', 'big']);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/^parameters injected: executing only/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before); // nothing written
    const param = await cli([file, '--param', 'n=2']); // outputs 'demo 0,1' where 'demo 0,1,4' is stored
    expect(param.code, param.out).toBe(0);
    // Without injected values the stored outputs are compared as always.
    fs.writeFileSync(file, before.replace('demo 0,1,4', 'demo 9,9,9'));
    expect((await cli([file])).out).toMatch(/output differs from the stored notebook/);
    const broken = notebookOf('execute-only-error', [['let n = 1;', ['parameters']], 'if (n > 1) throw new Error("boom")']);
    const failed = await cli([broken, '--param', 'n=3']);
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/boom/);
  });

  it('reports each cell and its output as it runs, without changing the outputs', async () => {
    const file = notebookOf('progress', ['console.log("one")', 'process.stdout.write("\\rstep 1"); process.stdout.write("\\rstep 2\\n")']);
    const events: string[] = [];
    const r = await runNotebook(file, readNotebook(file), { timeout: 30, config: parseConfig('{}'), update: true, onEvent: (e) => events.push(e.kind === 'cell' ? `cell ${e.index}/${e.count}` : e.text) });
    expect(r.passed).toBe(true);
    expect(events.slice(0, 3)).toEqual(['cell 1/2', 'one\n', 'cell 2/2']);
    expect(events.slice(3).join('')).toMatch(/^\rstep 1\rstep 2\n/); // as it came, in one or more messages
    const quiet = await runNotebook(file, readNotebook(file), { timeout: 30, config: parseConfig('{}'), update: true });
    expect(quiet.executed.cells.map((c) => (c as { outputs: unknown }).outputs)).toEqual(r.executed.cells.map((c) => (c as { outputs: unknown }).outputs));
  });

  it('runs notebooks in parallel and in stages, and writes JUnit', async () => {
    const a = notebookOf('stage', ['require("fs").writeFileSync("made-by-01.txt", "x")']);
    const stageDir = path.dirname(a);
    fs.renameSync(a, path.join(stageDir, '01_make.ipynb'));
    const b = notebookOf('stage', ['console.log(require("fs").readFileSync("made-by-01.txt", "utf8"))']);
    fs.renameSync(b, path.join(stageDir, '02_use.ipynb'));
    const c = notebookOf('stage', ['console.log("independent")']);
    fs.renameSync(c, path.join(stageDir, '02_other.ipynb'));
    const junit = path.join(dir, 'report.xml');
    const { code, out } = await cli([stageDir, '--jobs', '2', '--junit', junit, '--update']);
    expect(code, out).toBe(0); // the runner's report on failure: this test has failed once under full-suite load
    expect(out.trim().split('\n').pop()).toBe('3 passed, 0 failed');
    expect(out.indexOf('01_make')).toBeLessThan(out.indexOf('02_use'));
    const xml = fs.readFileSync(junit, 'utf8');
    expect(xml).toContain('<testsuites name="notebooks" tests="3" failures="0">');
  });

  it('does not run a later stage when an earlier one failed', async () => {
    const a = notebookOf('blocked', ['throw new Error("x")']);
    const stageDir = path.dirname(a);
    fs.renameSync(a, path.join(stageDir, '01_fail.ipynb'));
    const b = notebookOf('blocked', ['1']);
    fs.renameSync(b, path.join(stageDir, '02_after.ipynb'));
    const { code, out } = await cli([stageDir]);
    expect(code).toBe(1);
    expect(out).toContain('not run: it comes after 01_fail.ipynb, which failed');
    expect(out.trim().split('\n').pop()).toBe('0 passed, 2 failed');
  });
});
