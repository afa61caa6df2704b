import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LARGE_TEST_PARTICIPANTS, LARGE_TEST_SEED, STAMP_FILE, ensureEmbeddedData, ensureLargeTestData, isSyntheticDir, loadSprintSync, preprocess, resolveDataSource, simulateSprint } from '../../lib/data';
import { FIXTURES, tempDir } from './helpers';

const tmp = tempDir('sprint-source-');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('data source', () => {
  it('uses the argument, then SPRINT_DATA_DIR', () => {
    const tiny = path.join(FIXTURES, 'tiny');
    expect(resolveDataSource({ dataDir: tiny, env: {} })).toEqual({ kind: 'real', dir: tiny });
    expect(resolveDataSource({ env: { SPRINT_DATA_DIR: tiny } })).toEqual({ kind: 'real', dir: tiny });
  });

  it('generates the embedded cohort once into a folder and reuses it', () => {
    const dir = path.join(tmp, 'embedded');
    expect(ensureEmbeddedData(dir)).toBe(dir);
    expect(isSyntheticDir(dir)).toBe(true);
    const bp = path.join(dir, 'bp.csv');
    expect(fs.readFileSync(bp, 'utf8')).toBe(simulateSprint().bpCsv);
    const mtime = fs.statSync(bp).mtimeMs;
    ensureEmbeddedData(dir);
    expect(fs.statSync(bp).mtimeMs).toBe(mtime);
    expect(JSON.parse(fs.readFileSync(path.join(dir, STAMP_FILE), 'utf8')).seed).toBe(2015);
  });

  it('regenerates files written by a simulator with other parameters', () => {
    const dir = path.join(tmp, 'stale');
    ensureEmbeddedData(dir);
    const stampFile = path.join(dir, STAMP_FILE);
    const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
    expect(stamp.parameters).toMatch(/^[0-9a-f]{16}$/);
    fs.writeFileSync(stampFile, JSON.stringify({ ...stamp, parameters: '0000000000000000' }));
    fs.writeFileSync(path.join(dir, 'bp.csv'), 'stale');
    ensureEmbeddedData(dir);
    expect(fs.readFileSync(path.join(dir, 'bp.csv'), 'utf8')).toBe(simulateSprint().bpCsv);
    expect(JSON.parse(fs.readFileSync(stampFile, 'utf8')).parameters).toBe(stamp.parameters);
  });

  it('refuses to generate over CSV files it did not write', () => {
    const dir = path.join(tmp, 'user');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'bp.csv'), 'mine');
    expect(() => ensureEmbeddedData(dir)).toThrow(/refusing to overwrite/);
    expect(fs.readFileSync(path.join(dir, 'bp.csv'), 'utf8')).toBe('mine');
  });

  it('generates the large test cohort once, from another seed: over 20,000 complete patients', () => {
    const dir = path.join(tmp, 'large');
    expect(ensureLargeTestData(dir)).toBe(dir);
    const stamp = JSON.parse(fs.readFileSync(path.join(dir, STAMP_FILE), 'utf8'));
    expect(stamp).toMatchObject({ seed: LARGE_TEST_SEED, participants: LARGE_TEST_PARTICIPANTS });
    expect(LARGE_TEST_SEED).not.toBe(2015);
    const large = preprocess(loadSprintSync(dir));
    expect(large.n).toBeGreaterThanOrEqual(20_000);
    expect(fs.readFileSync(path.join(dir, 'bp.csv'), 'utf8')).not.toBe(simulateSprint().bpCsv);
    const mtime = fs.statSync(path.join(dir, 'bp.csv')).mtimeMs;
    ensureLargeTestData(dir);
    expect(fs.statSync(path.join(dir, 'bp.csv')).mtimeMs).toBe(mtime);
  }, 60_000);
});
