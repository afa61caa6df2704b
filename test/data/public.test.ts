/**
 * What lib/data offers for shared synthetic releases: maxima fixed in
 * advance (no patient's value), renormalizing a cohort onto other maxima,
 * synthetic participant ids that can never be a release MASKID, and the kind
 * of data a training cohort came from.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BP_RANGES,
  MASKID_PATTERN,
  PUBLIC_MAXIMA,
  SYNTHETIC_MASKID_PATTERN,
  loadTrainingData,
  renormalize,
  simulateSprint,
  syntheticMaskIds,
  writeSyntheticRelease,
  type Cohort,
} from '../../lib/data';
import { tempDir } from './helpers';

const tmp = tempDir('sprint-public-');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('public maxima and renormalizing', () => {
  it('PUBLIC_MAXIMA are the upper ends of the accepted ranges, constants of the format', () => {
    expect(PUBLIC_MAXIMA).toEqual([300, 200, 10]);
    expect(PUBLIC_MAXIMA).toEqual([BP_RANGES.SBP.max, BP_RANGES.DBP.max, BP_RANGES.N_BPCLASSES.max]);
  });

  it('renormalize keeps the raw values and changes only the normalization', () => {
    const raw = [141, 77, 3];
    const x = new Float32Array(2 * 36);
    for (let i = 0; i < 2; i++) for (let m = 0; m < 3; m++) for (let v = 0; v < 12; v++) x[i * 36 + m * 12 + v] = (raw[m] + i + v) / [233, 137, 7][m];
    const c: Cohort = { n: 2, x, y: Uint8Array.of(0, 1), maskIds: ['a', 'b'], maxima: [233, 137, 7] };
    const r = renormalize(c, [300, 200, 10]);
    expect(r.maxima).toEqual([300, 200, 10]);
    for (let i = 0; i < 2; i++) {
      for (let m = 0; m < 3; m++) {
        for (let v = 0; v < 12; v++) expect(r.x[i * 36 + m * 12 + v] * r.maxima[m]).toBeCloseTo(raw[m] + i + v, 4);
      }
    }
    expect(r.y).toBe(c.y);
    expect(c.maxima).toEqual([233, 137, 7]); // the input is not changed
    expect(c.x[0]).toBeCloseTo(141 / 233, 7);
    expect(renormalize(c, [233, 137, 7])).toBe(c);
    expect(() => renormalize(c, [300, 0, 10])).toThrow(/three positive numbers/);
    expect(renormalize({ ...c, n: 0, x: new Float32Array(0), y: new Uint8Array(0), maskIds: [] }, [1, 1, 1]).n).toBe(0);
  });
});

describe('synthetic participant ids', () => {
  it('SYN-<family letter><6 digits>, never a release MASKID', () => {
    expect(syntheticMaskIds('M', 3)).toEqual(['SYN-M000001', 'SYN-M000002', 'SYN-M000003']);
    expect(syntheticMaskIds('A', 2, 41)).toEqual(['SYN-A000041', 'SYN-A000042']);
    expect(syntheticMaskIds('G', 1, 1_234_567)).toEqual(['SYN-G1234567']);
    for (const id of [...syntheticMaskIds('A', 5), 'SYN-G1234567']) {
      expect(id).toMatch(SYNTHETIC_MASKID_PATTERN);
      expect(id).not.toMatch(MASKID_PATTERN);
    }
    for (const id of simulateSprint({ participants: 50 }).baselineCsv.split('\n').slice(1, -1).map((l) => l.split(',')[0])) {
      expect(id).toMatch(MASKID_PATTERN);
      expect(id).not.toMatch(SYNTHETIC_MASKID_PATTERN);
    }
    expect(() => syntheticMaskIds('m', 1)).toThrow(/one capital letter/);
    expect(() => syntheticMaskIds('AB', 1)).toThrow(/one capital letter/);
    expect(() => syntheticMaskIds('A', 1, 0)).toThrow(/positive integer/);
  });
});

describe('the kind of training data', () => {
  it('embedded by default, simulated for a folder the simulator wrote, real for any other', () => {
    expect(loadTrainingData({ dir: '' }).kind).toBe('embedded');
    const synth = path.join(tmp, 'synth');
    writeSyntheticRelease(synth, simulateSprint({ seed: 5, participants: 400 }), { seed: 5, participants: 400 });
    expect(loadTrainingData({ dir: synth, trainSize: 100 }).kind).toBe('simulated');
    const own = path.join(tmp, 'own');
    fs.mkdirSync(own);
    for (const f of ['baseline.csv', 'bp.csv']) fs.copyFileSync(path.join(synth, f), path.join(own, f));
    const real = loadTrainingData({ dir: own, trainSize: 100 });
    expect(real.kind).toBe('real');
    expect(real.source).toBe(own);
  });
});
