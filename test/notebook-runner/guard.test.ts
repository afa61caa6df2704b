/**
 * The runner's real-data guard: with a real data source, --update is refused
 * before any kernel starts and nothing is written.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli, runCli } from '../../tools/notebook-runner/cli';
import { realDataRefusal, runnerDataSource } from '../../tools/notebook-runner/guard';

const FIXTURES = path.join(__dirname, 'fixtures');
let dir: string;
let realDir: string;
let syntheticDir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-guard-'));
  // A folder that looks like the user's real release: the two CSVs, no simulator stamp.
  realDir = path.join(dir, 'sprint-real');
  fs.mkdirSync(realDir);
  fs.writeFileSync(path.join(realDir, 'baseline.csv'), 'MASKID,INTENSIVE\nS00001,1\n');
  fs.writeFileSync(path.join(realDir, 'bp.csv'), 'MASKID,VISITCODE,SBP,DBP,N_BPCLASSES\n');
  // A folder the simulator wrote (stamp file present).
  syntheticDir = path.join(dir, 'sprint-synthetic');
  fs.mkdirSync(syntheticDir);
  fs.writeFileSync(path.join(syntheticDir, 'synthetic.json'), '{"generator":"sprint-gan-ts simulateSprint"}');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Every file under `root` with its bytes (hex) and mtime. */
function snapshot(root: string): Record<string, { bytes: string; mtimeMs: number }> {
  const out: Record<string, { bytes: string; mtimeMs: number }> = {};
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const f = path.join(d, name);
      const st = fs.statSync(f);
      if (st.isDirectory()) walk(f);
      else out[path.relative(root, f)] = { bytes: fs.readFileSync(f).toString('hex'), mtimeMs: st.mtimeMs };
    }
  };
  walk(root);
  return out;
}

function workspace(name: string): { root: string; notebook: string } {
  const root = path.join(dir, name);
  fs.mkdirSync(root);
  fs.copyFileSync(path.join(FIXTURES, 'runner.config.json'), path.join(root, 'runner.config.json'));
  fs.copyFileSync(path.join(FIXTURES, 'pass.ipynb'), path.join(root, 'pass.ipynb'));
  // Make the stored outputs differ from what a run would produce, so an update would have to rewrite them.
  const nb = JSON.parse(fs.readFileSync(path.join(root, 'pass.ipynb'), 'utf8'));
  nb.metadata.guard_test = 'stale';
  fs.writeFileSync(path.join(root, 'pass.ipynb'), JSON.stringify(nb, null, 1));
  const past = new Date(Date.now() - 3600_000);
  for (const f of fs.readdirSync(root)) fs.utimesSync(path.join(root, f), past, past);
  return { root, notebook: path.join(root, 'pass.ipynb') };
}

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runCli(args, (s) => lines.push(s), env);
  return { code, out: lines.join('\n') };
}

describe('real-data guard of the runner', () => {
  it('refuses --update with SPRINT_DATA_DIR at real data and writes nothing', async () => {
    const { root, notebook } = workspace('env');
    const failed = path.join(root, 'failed');
    const junit = path.join(root, 'report.xml');
    const before = snapshot(root);
    const env = { ...process.env, SPRINT_DATA_DIR: realDir };
    const r = await cli([notebook, '--update', '--failed-dir', failed, '--junit', junit], env);
    expect(r.code).toBe(2);
    expect(r.out).toContain('refusing --update: the data source is real');
    expect(r.out).toContain(`SPRINT_DATA_DIR = ${realDir}`);
    expect(r.out).toContain('--allow-real-data-outputs');
    expect(r.out).not.toMatch(/PASS|FAIL/);
    expect(snapshot(root)).toEqual(before); // same files, bytes and mtimes
    expect(fs.existsSync(failed)).toBe(false);
    expect(fs.existsSync(junit)).toBe(false);
  });

  it('refuses --update with --data at real data (environment without SPRINT_DATA_DIR)', async () => {
    const { root, notebook } = workspace('flag');
    const before = snapshot(root);
    const env = { ...process.env };
    delete env.SPRINT_DATA_DIR;
    const r = await cli([notebook, '--update', '--data', realDir, '--failed-dir', path.join(root, 'failed')], env);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`--data = ${realDir}`);
    expect(snapshot(root)).toEqual(before);
  });

  it('tells real from embedded data the way lib/data does', () => {
    const clean: NodeJS.ProcessEnv = {};
    expect(runnerDataSource({ env: clean })).toEqual({ kind: 'embedded', dir: null, via: null });
    expect(runnerDataSource({ env: { SPRINT_DATA_DIR: '  ' } }).kind).toBe('embedded');
    expect(runnerDataSource({ env: { SPRINT_DATA_DIR: realDir } })).toMatchObject({ kind: 'real', via: 'SPRINT_DATA_DIR' });
    expect(runnerDataSource({ env: { SPRINT_DATA_DIR: syntheticDir } }).kind).toBe('embedded');
    expect(runnerDataSource({ params: { dataDir: realDir }, env: clean })).toMatchObject({ kind: 'real', via: '--param dataDir' });
    // --data wins over the environment.
    expect(runnerDataSource({ data: syntheticDir, env: { SPRINT_DATA_DIR: realDir } }).kind).toBe('embedded');
  });

  it('lets the run go on without --update, with the explicit flag, or on embedded data', () => {
    const real = runnerDataSource({ env: { SPRINT_DATA_DIR: realDir } });
    expect(realDataRefusal(real, true, false)).toMatch(/Nothing was written/);
    expect(realDataRefusal(real, false, false)).toBeNull();
    expect(realDataRefusal(real, true, true)).toBeNull();
    expect(realDataRefusal(runnerDataSource({ env: {} }), true, false)).toBeNull();
    const opts = parseCli(['--update', '--allow-real-data-outputs', '--data', realDir], {});
    expect(opts).toMatchObject({ update: true, allowRealDataOutputs: true, data: realDir });
  });
});
