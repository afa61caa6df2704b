/**
 * Issue 5's resume promise, for real: `sprint-gan train` in a child process is
 * killed with SIGKILL (kill -9) after its epoch-2 checkpoint is committed, then
 * `--resume`d, and must end byte-identical to an uninterrupted run with the
 * same seed. (test/generators/acgan/train.test.ts simulates the crash inside one process.)
 *
 * Backend: wasm (single-threaded in Node, deterministic, ~5x faster than cpu
 * for the tiny architecture).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..', '..', '..');
const bin = path.join(repo, 'bin', 'sprint-gan.js');

const EPOCHS = 4;
/** Long enough that 2 epochs outlast a poll of checkpoint.json on a loaded 2-core machine. */
const STEPS_PER_EPOCH = 30;
const trainArgs = (out: string): string[] => [
  'train',
  '--arch', 'tiny',
  '--mode', 'batched',
  '--batch-size', '16',
  '--train-size', '200',
  '--steps-per-epoch', String(STEPS_PER_EPOCH),
  '--epochs', String(EPOCHS),
  '--noise', '1.1',
  '--clip', '1',
  '--lr', '1e-3',
  '--seed', '11',
  '--backend', 'wasm',
  '--quiet',
  '--out', out,
];

// The embedded cohort and an explicit backend: nothing from the caller's environment.
const childEnv = { ...process.env };
delete childEnv.SPRINT_DATA_DIR;
delete childEnv.SPRINT_BACKEND;

const live = new Set<ChildProcess>();
let tmp: string | null = null;

afterEach(() => {
  for (const c of live) c.kill('SIGKILL');
  live.clear();
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]): { child: ChildProcess; done: Promise<Exit> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: repo, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b) => (stdout += b));
  child.stderr?.on('data', (b) => (stderr += b));
  const done = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

const describeExit = (r: Exit) => `code ${r.code}, signal ${r.signal}\nstderr:\n${r.stderr.slice(-3000)}\nstdout:\n${r.stdout.slice(-1000)}`;

async function runOk(args: string[]): Promise<Exit> {
  const r = await start(args).done;
  if (r.code !== 0) throw new Error(`sprint-gan ${args.join(' ')} failed: ${describeExit(r)}`);
  return r;
}

interface Checkpoint {
  epoch: number;
  steps: number;
  finished: boolean;
  stopReason: string | null;
}

function readCheckpoint(dir: string): Checkpoint | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'checkpoint.json'), 'utf8')) as Checkpoint;
  } catch {
    return null; // not written yet (writes are atomic renames, so never torn)
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every file under dir (relative path -> bytes). */
function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else out.set(r, fs.readFileSync(path.join(dir, r)));
    }
  };
  walk('');
  return out;
}

const history = (dir: string) =>
  (JSON.parse(fs.readFileSync(path.join(dir, 'history.json'), 'utf8')) as { seconds: number }[]).map(({ seconds, ...rest }) => rest);
const epochDir = (e: number) => `epoch-${String(e).padStart(4, '0')}`;

describe('sprint-gan train: kill -9 and --resume', () => {
  it('resumes a SIGKILLed run to exactly the uninterrupted one, and refuses to overwrite a finished run', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gan-kill9-'));
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');

    // Run A (uninterrupted) and run B (to be killed) side by side: independent
    // processes and folders, and B's kill is timed by its own checkpoint.json.
    const runA = runOk(trainArgs(a));
    const runB = start(trainArgs(b));
    let killedAt: Checkpoint | null = null;
    let exitedFirst = false;
    runB.done.then(
      () => (exitedFirst = true),
      () => (exitedFirst = true),
    );
    while (!exitedFirst) {
      const c = readCheckpoint(b);
      if (c && c.epoch >= 2) {
        killedAt = c;
        runB.child.kill('SIGKILL');
        break;
      }
      await sleep(10);
    }
    const exitB = await runB.done;
    if (exitB.signal !== 'SIGKILL') {
      throw new Error(
        `run B ended before it could be killed (after epoch >= 2 of ${EPOCHS}): ` +
          `lengthen the epochs (STEPS_PER_EPOCH, now ${STEPS_PER_EPOCH}) in test/generators/acgan/kill9.test.ts. ${describeExit(exitB)}`,
      );
    }
    const afterKill = readCheckpoint(b);
    expect(killedAt?.finished).toBe(false);
    if (!afterKill || afterKill.finished || afterKill.epoch >= EPOCHS) {
      throw new Error(
        `run B finished before the SIGKILL landed (checkpoint ${JSON.stringify(afterKill)}): ` +
          `lengthen the epochs (STEPS_PER_EPOCH, now ${STEPS_PER_EPOCH}) in test/generators/acgan/kill9.test.ts.`,
      );
    }
    expect(afterKill.epoch).toBeGreaterThanOrEqual(2);

    await runA;
    expect(readCheckpoint(a)).toMatchObject({ epoch: EPOCHS, steps: EPOCHS * STEPS_PER_EPOCH, finished: true, stopReason: 'completed' });
    const filesA = snapshot(a);

    // Resume B; meanwhile, a plain second `train` into the finished A must be refused and change nothing.
    const [resumed, refused] = await Promise.all([runOk([...trainArgs(b), '--resume']), start(trainArgs(a)).done]);
    expect(resumed.stderr).toContain(`Resuming ${b} after epoch ${afterKill.epoch} `);
    expect(refused.code, describeExit(refused)).not.toBe(0);
    expect(refused.signal).toBeNull();
    expect(refused.stderr).toMatch(/holds a finished run/);
    const filesAfterRefusal = snapshot(a);
    expect([...filesAfterRefusal.keys()].sort()).toEqual([...filesA.keys()].sort());
    for (const [f, bytes] of filesA) expect(filesAfterRefusal.get(f)?.equals(bytes), `${f} changed`).toBe(true);

    // B now equals A.
    expect(readCheckpoint(b)).toMatchObject({ epoch: EPOCHS, steps: EPOCHS * STEPS_PER_EPOCH, finished: true, stopReason: 'completed' });
    expect(history(b)).toHaveLength(EPOCHS);
    expect(history(b)).toEqual(history(a));
    const gens = Array.from({ length: EPOCHS }, (_, i) => epochDir(i + 1));
    expect(fs.readdirSync(path.join(b, 'generator')).sort()).toEqual(gens);
    for (const e of gens) {
      for (const f of ['weights.bin', 'model.json']) {
        const fa = fs.readFileSync(path.join(a, 'generator', e, f));
        const fb = fs.readFileSync(path.join(b, 'generator', e, f));
        expect(fb.equals(fa), `generator/${e}/${f} differs between the killed-and-resumed and the uninterrupted run`).toBe(true);
      }
    }
    expect(fs.readdirSync(path.join(b, 'state'))).toEqual([epochDir(EPOCHS)]);
    const state = (d: string) => fs.readFileSync(path.join(d, 'state', epochDir(EPOCHS), 'state.bin'));
    expect(state(b).equals(state(a)), 'final training state differs').toBe(true);
    // No temp files left by the interrupted write.
    expect([...snapshot(b).keys()].filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 180_000);
});
