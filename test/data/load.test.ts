import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SprintDataError, loadSprint, loadSprintSync } from '../../lib/data';
import { FIXTURES } from './helpers';

const bad = (name: string) => path.join(FIXTURES, 'bad', name);

async function loadError(dir: string): Promise<SprintDataError> {
  try {
    await loadSprint(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(SprintDataError);
    return err as SprintDataError;
  }
  throw new Error(`expected ${dir} to fail`);
}

describe('loadSprint on the tiny fixture', () => {
  it('reads both files with editor line numbers', async () => {
    const t = await loadSprint(path.join(FIXTURES, 'tiny'));
    expect(t.baseline.maskId).toEqual(['S00002', 'S00001', 'S00003', 'S00004']);
    expect(Array.from(t.baseline.intensive)).toEqual([0, 1, 0, 1]);
    expect(t.bp.maskId.length).toBe(48);
    expect(t.bp.line[0]).toBe(2); // header is line 1
    expect(t.bp.maskId[0]).toBe('S00004');
    expect(t.bp.visitCode[0]).toBe('6M');
    expect(t.baseline.columns.RACE4).toEqual(['WHITE', 'BLACK', 'HISPANIC', 'OTHER']);
  });

  it('aggregates missing values into one warning per file, with counts', async () => {
    const t = await loadSprint(path.join(FIXTURES, 'tiny'));
    const bpWarnings = t.warnings.filter((w) => w.file.endsWith('bp.csv'));
    expect(bpWarnings).toHaveLength(1);
    expect(bpWarnings[0].kind).toBe('missing-values');
    expect(bpWarnings[0].byColumn).toEqual({ N_BPCLASSES: 1 });
    const baseWarnings = t.warnings.filter((w) => w.file.endsWith('baseline.csv'));
    expect(baseWarnings).toHaveLength(1);
    expect(baseWarnings[0].count).toBe(3); // UMALCR, BMI, STATIN
    expect(baseWarnings[0].message).toMatch(/3 missing values in 3 rows/);
  });

  it('accepts CRLF line ends and a UTF-8 byte-order mark (with a warning)', async () => {
    const crlf = await loadSprint(bad('crlf'));
    expect(crlf.bp.maskId.length).toBe(48);
    expect(crlf.bp.visitCode.every((c) => !c.includes('\r'))).toBe(true);
    const bom = await loadSprint(bad('bom'));
    expect(bom.baseline.maskId[0]).toBe('S00002');
    expect(bom.warnings.some((w) => w.kind === 'bom')).toBe(true);
  });

  it('loadSprintSync gives the same tables', async () => {
    const a = await loadSprint(path.join(FIXTURES, 'tiny'));
    const b = loadSprintSync(path.join(FIXTURES, 'tiny'));
    expect(Array.from(b.bp.sbp)).toEqual(Array.from(a.bp.sbp));
  });
});

describe('loadSprint on bad input: typed errors naming file, line, column, value', () => {
  const cases: [string, Partial<SprintDataError> & { file: string }][] = [
    ['missing-file', { code: 'missing-file', file: 'bp.csv' }],
    ['empty-file', { code: 'empty-file', file: 'bp.csv' }],
    ['missing-column', { code: 'missing-column', file: 'bp.csv', row: 1, column: 'DBP' }],
    ['utf16', { code: 'encoding', file: 'baseline.csv' }],
    ['latin1', { code: 'encoding', file: 'baseline.csv', row: 4 }],
    ['semicolon', { code: 'delimiter', file: 'bp.csv', row: 1 }],
    ['field-count', { code: 'bad-row', file: 'bp.csv', row: 7 }],
    ['not-numeric', { code: 'not-numeric', file: 'bp.csv', row: 9, column: 'SBP', value: '14O' }],
    ['sbp-out-of-range', { code: 'out-of-range', file: 'bp.csv', row: 12, column: 'SBP', value: '400.0' }],
    ['meds-out-of-range', { code: 'out-of-range', file: 'bp.csv', row: 15, column: 'N_BPCLASSES', value: '12.0' }],
    ['unknown-visit', { code: 'unknown-visit', file: 'bp.csv', row: 20, column: 'VISITCODE', value: '7M' }],
    ['duplicate-visit', { code: 'duplicate', file: 'bp.csv', row: 26, column: 'VISITCODE', value: '2M' }],
    ['unknown-participant', { code: 'unknown-participant', file: 'bp.csv', row: 31, column: 'MASKID', value: 'S09999' }],
    ['bad-arm', { code: 'bad-arm', file: 'baseline.csv', row: 3, column: 'INTENSIVE', value: '2' }],
  ];
  it.each(cases)('%s', async (name, expected) => {
    const err = await loadError(bad(name));
    expect(path.basename(err.file)).toBe(expected.file);
    expect(err.code).toBe(expected.code);
    if (expected.row !== undefined) expect(err.row).toBe(expected.row);
    if (expected.column !== undefined) expect(err.column).toBe(expected.column);
    if (expected.value !== undefined) expect(err.value).toBe(expected.value);
    // The message itself names the place and says what to do.
    expect(err.message).toContain(err.file);
    if (expected.row !== undefined) expect(err.message).toContain(`line ${expected.row}`);
    expect(err.hint.length).toBeGreaterThan(10);
    expect(err.message).toContain(err.hint);
  });

  it('every bad-input fixture folder is covered', () => {
    const covered = new Set([...cases.map((c) => c[0]), 'bom', 'crlf']);
    for (const d of fs.readdirSync(path.join(FIXTURES, 'bad'))) expect(covered.has(d)).toBe(true);
  });
});
