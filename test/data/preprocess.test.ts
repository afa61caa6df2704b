import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  N_FEATURES,
  SprintDataError,
  loadCohort,
  loadSprint,
  parseSprint,
  preprocess,
  preprocessWithReport,
  rawValue,
  saveCohort,
  serializeCohort,
  simulateSprint,
  splitCohort,
} from '../../lib/data';
import { FIXTURES, tempDir } from './helpers';

const tmp = tempDir();
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('preprocess on the tiny hand-made fixture', () => {
  // Hand-computed answer. The fixture's bp.csv rows are shuffled; it holds
  // S00001 (intensive, complete, plus a 30M row), S00002 (standard, complete),
  // S00003 (standard, no 6M row -> dropped) and S00004 (intensive, every row
  // present but N_BPCLASSES empty at 3M -> dropped, as in the original).
  // Maxima over the whole bp.csv: SBP 200 (S00003 at RZ, a dropped patient),
  // DBP 110 (S00001 at 30M, outside the 12 visits), N_BPCLASSES 4 (S00004).
  const expectedRaw: Record<string, number[][]> = {
    S00001: [
      [150, 130, 125, 122, 120, 118, 119, 121, 117, 120, 118, 116],
      [80, 75, 72, 70, 70, 68, 69, 70, 67, 68, 67, 66],
      [2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3],
    ],
    S00002: [
      [140, 138, 139, 137, 136, 135, 136, 137, 134, 135, 136, 133],
      [78, 77, 79, 76, 75, 76, 77, 75, 74, 76, 75, 74],
      [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2],
    ],
  };

  it('keeps the complete patients in MASKID order with their arm and normalized values', async () => {
    const tables = await loadSprint(path.join(FIXTURES, 'tiny'));
    const { cohort, report } = preprocessWithReport(tables);
    expect(cohort.n).toBe(2);
    expect(cohort.maskIds).toEqual(['S00001', 'S00002']);
    expect(Array.from(cohort.y)).toEqual([1, 0]);
    expect(cohort.maxima).toEqual([200, 110, 4]);
    expect(cohort.x.length).toBe(2 * N_FEATURES);
    cohort.maskIds.forEach((id, i) => {
      for (let m = 0; m < 3; m++) {
        for (let v = 0; v < 12; v++) {
          expect(cohort.x[i * 36 + m * 12 + v]).toBe(Math.fround(expectedRaw[id][m][v] / cohort.maxima[m]));
          expect(rawValue(cohort, i, m, v)).toBeCloseTo(expectedRaw[id][m][v], 4);
        }
      }
    });
    expect(cohort.x[0]).toBe(Math.fround(0.75)); // 150 / 200
    expect(report).toMatchObject({ participants: 4, withVisits: 4, kept: 2, droppedMissingVisit: 1, droppedMissingValue: 1, keptByArm: [1, 1] });
  });

  it('normalizes with given maxima (another dataset on the training scale)', async () => {
    const tables = await loadSprint(path.join(FIXTURES, 'tiny'));
    const c = preprocess(tables, { maxima: [233, 137, 7] });
    expect(c.x[0]).toBe(Math.fround(150 / 233));
    expect(c.maxima).toEqual([233, 137, 7]);
  });
});

describe('preprocess on the full-size embedded cohort', () => {
  const r = simulateSprint();
  const tables = parseSprint('baseline.csv', Buffer.from(r.baselineCsv), 'bp.csv', Buffer.from(r.bpCsv));

  it('is linear and fast (well under a second for 9361 participants)', () => {
    preprocess(tables); // warm-up
    const t0 = performance.now();
    const { cohort, report } = preprocessWithReport(tables);
    const ms = performance.now() - t0;
    console.log(`preprocess: ${tables.bp.maskId.length} bp rows -> ${cohort.n} patients in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(1500); // ~70-100 ms on a quiet machine; generous for shared CI cores
    expect(report.kept + report.droppedMissingValue + report.droppedMissingVisit).toBe(report.withVisits);
    for (let i = 1; i < cohort.n; i++) expect(cohort.maskIds[i - 1] < cohort.maskIds[i]).toBe(true);
    let max = 0;
    for (const v of cohort.x) max = Math.max(max, v);
    expect(max).toBeLessThanOrEqual(1);
  });

  it('splits the first 6000 for training by default, or by a seeded shuffle', () => {
    const c = preprocess(tables);
    const { train, test } = splitCohort(c);
    expect(train.n).toBe(6000);
    expect(test.n).toBe(c.n - 6000);
    expect(train.maskIds[0]).toBe(c.maskIds[0]);
    expect(test.maskIds[0]).toBe(c.maskIds[6000]);
    const a = splitCohort(c, { shuffleSeed: 1 });
    const b = splitCohort(c, { shuffleSeed: 1 });
    expect(a.train.maskIds).toEqual(b.train.maskIds);
    expect(a.train.maskIds).not.toEqual(train.maskIds);
    expect(new Set([...a.train.maskIds, ...a.test.maskIds]).size).toBe(c.n);
    const small = splitCohort({ ...c, n: 650, x: c.x.subarray(0, 650 * 36), y: c.y.subarray(0, 650), maskIds: c.maskIds.slice(0, 650) });
    expect(small.train.n).toBe(600); // the paper's 6000/6502 proportion
    expect(() => splitCohort(c, { trainSize: c.n + 1 })).toThrow(RangeError);
  });

  it('saves and loads the cohort exactly, atomically', () => {
    const c = preprocess(tables);
    const file = path.join(tmp, 'runs', 'cohort.json');
    saveCohort(c, file, { source: 'embedded' });
    expect(fs.readdirSync(path.dirname(file))).toEqual(['cohort.json']); // no temporary file left
    const back = loadCohort(file);
    expect(back.n).toBe(c.n);
    expect(back.maskIds).toEqual(c.maskIds);
    expect(Array.from(back.y)).toEqual(Array.from(c.y));
    expect(back.maxima).toEqual(c.maxima);
    expect(Buffer.from(back.x.buffer).equals(Buffer.from(c.x.buffer))).toBe(true);
    expect(serializeCohort(back, { source: 'embedded' })).toBe(fs.readFileSync(file, 'utf8'));
  });

  it('rejects a damaged cohort file with a typed error', () => {
    const file = path.join(tmp, 'broken.json');
    fs.writeFileSync(file, '{"format":"sprint-gan-cohort","version":1,"n":2}');
    expect(() => loadCohort(file)).toThrow(SprintDataError);
    expect(() => loadCohort(path.join(tmp, 'absent.json'))).toThrow(/does not exist/);
  });
});
