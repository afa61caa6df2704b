/**
 * Figure export refuses to write into the repository's figures/ while the
 * data source is real, unless explicitly allowed; other folders are fine.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRealDataExport, defaultFiguresDir, exportFigure } from '../../lib/plots/export';
import { PlotError } from '../../lib/plots/errors';
import type { Figure } from '../../lib/plots/types';

let dir: string;
let realDir: string;
let syntheticDir: string;
const fig: Figure = { data: [{ type: 'scatter', x: [1, 2], y: [3, 4] }], layout: { title: { text: 'guard' } } };
const saved = { data: process.env.SPRINT_DATA_DIR, allow: process.env.SPRINT_ALLOW_REAL_DATA_OUTPUTS };

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plots-guard-'));
  realDir = path.join(dir, 'real');
  fs.mkdirSync(realDir);
  fs.writeFileSync(path.join(realDir, 'baseline.csv'), 'MASKID,INTENSIVE\n');
  syntheticDir = path.join(dir, 'synthetic');
  fs.mkdirSync(syntheticDir);
  fs.writeFileSync(path.join(syntheticDir, 'synthetic.json'), '{}');
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  if (saved.data === undefined) delete process.env.SPRINT_DATA_DIR;
  else process.env.SPRINT_DATA_DIR = saved.data;
  if (saved.allow === undefined) delete process.env.SPRINT_ALLOW_REAL_DATA_OUTPUTS;
  else process.env.SPRINT_ALLOW_REAL_DATA_OUTPUTS = saved.allow;
});

function figuresSnapshot(): string[] {
  const d = defaultFiguresDir();
  return fs.existsSync(d) ? fs.readdirSync(d).map((f) => `${f}:${fs.statSync(path.join(d, f)).mtimeMs}`).sort() : [];
}

describe('real-data guard of exportFigure', () => {
  it('refuses figures/ with SPRINT_DATA_DIR at real data and writes nothing', async () => {
    const before = figuresSnapshot();
    process.env.SPRINT_DATA_DIR = realDir;
    delete process.env.SPRINT_ALLOW_REAL_DATA_OUTPUTS;
    await expect(exportFigure(fig, 'Guard_Test', { formats: ['html'] })).rejects.toThrow(PlotError);
    await expect(exportFigure(fig, 'Guard_Test', { formats: ['html'] })).rejects.toThrow(/data source is real.*allowRealData/s);
    await expect(exportFigure(fig, 'Guard_Test', { dir: path.join(defaultFiguresDir(), 'sub'), formats: ['html'] })).rejects.toThrow(/refusing/);
    expect(figuresSnapshot()).toEqual(before);
    expect(fs.existsSync(path.join(defaultFiguresDir(), 'Guard_Test.html'))).toBe(false);
  });

  it('still exports elsewhere on real data', async () => {
    process.env.SPRINT_DATA_DIR = realDir;
    const out = path.join(dir, 'private-figures');
    const r = await exportFigure(fig, 'Guard_Test', { dir: out, formats: ['html'] });
    expect(r.files).toEqual([path.join(out, 'Guard_Test.html')]);
  });

  it('allows figures/ with the explicit option or env flag, or on embedded data', () => {
    const figures = defaultFiguresDir();
    const real = { SPRINT_DATA_DIR: realDir };
    expect(() => checkRealDataExport(figures, {}, real)).toThrow(/refusing/);
    expect(() => checkRealDataExport(figures, { allowRealData: true }, real)).not.toThrow();
    expect(() => checkRealDataExport(figures, {}, { ...real, SPRINT_ALLOW_REAL_DATA_OUTPUTS: '1' })).not.toThrow();
    expect(() => checkRealDataExport(figures, {}, { SPRINT_DATA_DIR: syntheticDir })).not.toThrow();
    expect(() => checkRealDataExport(figures, {}, {})).not.toThrow();
    // A notebook that read real data through an explicit path says so with dataSource.
    expect(() => checkRealDataExport(figures, { dataSource: { kind: 'real', dir: realDir } }, {})).toThrow(/refusing/);
    expect(() => checkRealDataExport(path.join(dir, 'elsewhere'), {}, real)).not.toThrow();
  });
});
