import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCohort } from '../../lib/data';
import { sprintGan as cli } from '../cli';
import { FIXTURES, tempDir } from './helpers';

const tmp = tempDir('sprint-cli-');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('sprint-gan synth / preprocess', () => {
  it('synth writes the two CSVs, byte-identical for a seed; preprocess writes the cohort', async () => {
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    const r1 = await cli(['synth', '--out', a, '--seed', '4', '--participants', '300']);
    expect(r1.code).toBe(0);
    expect(r1.stdout).toMatch(/Wrote 300 synthetic participants/);
    expect((await cli(['synth', '--out', b, '--seed', '4', '--participants', '300'])).code).toBe(0);
    for (const f of ['baseline.csv', 'bp.csv']) {
      expect(fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f)))).toBe(true);
    }
    const out = path.join(tmp, 'cohort.json');
    const r2 = await cli(['preprocess', '--data', a, '--out', out]);
    expect(r2.code).toBe(0);
    expect(r2.stdout).toMatch(/Cohort: \d+ of 300 participants/);
    expect(loadCohort(out).n).toBeGreaterThan(150);
  });

  it('preprocess exits 1 with the typed message on bad input, and writes nothing', async () => {
    const out = path.join(tmp, 'never.json');
    const r = await cli(['preprocess', '--data', path.join(FIXTURES, 'bad', 'not-numeric'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bp\.csv, line 9, column SBP: the value is not a number\. Found "14O"/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('preprocess reads SPRINT_DATA_DIR when --data is absent', async () => {
    const out = path.join(tmp, 'tiny.json');
    const r = await cli(['preprocess', '--out', out], { SPRINT_DATA_DIR: path.join(FIXTURES, 'tiny') });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Cohort: 2 of 4 participants.*data: real/);
    expect(loadCohort(out).maskIds).toEqual(['S00001', 'S00002']);
  });

  it("never overwrites the user's data", async () => {
    const user = path.join(tmp, 'user');
    fs.mkdirSync(user);
    fs.copyFileSync(path.join(FIXTURES, 'tiny', 'baseline.csv'), path.join(user, 'baseline.csv'));
    fs.copyFileSync(path.join(FIXTURES, 'tiny', 'bp.csv'), path.join(user, 'bp.csv'));
    const before = fs.readFileSync(path.join(user, 'bp.csv'));
    const s = await cli(['synth', '--out', user, '--participants', '10']);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/refusing to overwrite/);
    const p = await cli(['preprocess', '--data', user, '--out', path.join(user, 'bp.csv')]);
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(/is an input file/);
    expect(fs.readFileSync(path.join(user, 'bp.csv')).equals(before)).toBe(true);
  });

  it('reports usage errors with status 2', async () => {
    expect((await cli(['synth'])).code).toBe(2);
    expect((await cli(['synth', '--out', tmp, '--seed', 'x'])).code).toBe(2);
    const empty = await cli(['synth', '--out', tmp, '--participants', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("--participants: expected a positive integer, got ''");
    expect((await cli(['preprocess'])).code).toBe(2);
  });
});
