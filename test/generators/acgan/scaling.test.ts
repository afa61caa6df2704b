/**
 * The GAN's data space (lib/data/scaling.ts): hand-computed values, the
 * inverse, sampling from a generator trained in it, and a run that records
 * and uses it.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../lib/compute/backend';
import { SCALINGS, SPRINT_SCALING, fromGanSpace, namedScaling, intoGanSpace, toGanSpace, validateScaling, type DataScaling } from '../../../lib/data/scaling';
import { TINY_ARCHITECTURE, createGenerator, createDiscriminator, disposeParams, type Params } from '../../../lib/generators/acgan/models';
import { sampleCohort, sampleFromRun } from '../../../lib/generators/acgan/sample';
import { writeSprintCsv } from '../../../lib/data/write';
import { evaluateLosses, trainGan } from '../../../lib/generators/acgan/train';
import { loadGenerator, readTensorState } from '../../../lib/generators/acgan/checkpoint';
import { Random } from '../../../lib/random';
import type { Cohort } from '../../../lib/data/cohort';
import { fakeCohort, tinyRun } from './fixtures';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'gan-scaling-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  while (dirs.length) fs.rmSync(dirs.pop() as string, { recursive: true, force: true });
});

beforeAll(async () => {
  await selectBackend({ backend: 'cpu', log: null });
});

/** One patient whose every visit has the given raw values, in a cohort with maxima [200, 120, 6]. */
function onePatient(sbp: number, dbp: number, classes: number, maxima: [number, number, number] = [200, 120, 6]): Cohort {
  const x = new Float32Array(36);
  [sbp, dbp, classes].forEach((raw, m) => x.fill(raw / maxima[m], m * 12, m * 12 + 12));
  return { n: 1, x, y: Uint8Array.of(1), maskIds: ['S00001'], maxima };
}

describe('data scaling', () => {
  it('maps raw (center + scale) to 1 and raw center to 0, per measure', () => {
    const c = onePatient(145, 84, 3.4); // SPRINT_SCALING: 130 + 15, 72 + 12, 2.2 + 1.2
    const s = toGanSpace(c, SPRINT_SCALING);
    for (const v of s.x) expect(v).toBeCloseTo(1, 5);
    expect(c.x[0]).toBeCloseTo(145 / 200, 6); // the input is not touched
    expect(s.maxima).toEqual(c.maxima);
    const centered = toGanSpace(onePatient(130, 72, 2.2), SPRINT_SCALING);
    for (const v of centered.x) expect(Math.abs(v)).toBeLessThan(1e-5);
    // A real-looking intensive-arm SBP of 115 mmHg is -1 (it was 0.575 on the [0, 1] scale).
    expect(toGanSpace(onePatient(115, 72, 2.2), SPRINT_SCALING).x[0]).toBeCloseTo(-1, 5);
  });

  it('the GAN space does not depend on the maxima (they cancel out of a scaled run)', () => {
    const a = toGanSpace(onePatient(137, 81, 3, [200, 120, 6]), SPRINT_SCALING).x;
    const b = toGanSpace(onePatient(137, 81, 3, [250, 150, 10]), SPRINT_SCALING).x;
    for (let k = 0; k < 36; k++) expect(a[k]).toBeCloseTo(b[k], 5);
    expect(a[0]).toBeCloseTo(7 / 15, 5);
    expect(a[12]).toBeCloseTo(9 / 12, 5);
    expect(a[24]).toBeCloseTo(0.8 / 1.2, 5);
  });

  it('namedScaling: max is null (the paper), sprint the SPRINT constants; other names throw with the list', () => {
    expect(namedScaling('max')).toBeNull();
    expect(namedScaling('sprint')).toEqual({ center: [130, 72, 2.2], scale: [15, 12, 1.2] });
    expect(() => namedScaling('zscore')).toThrow("unknown scaling 'zscore': expected one of max, sprint");
    expect(() => namedScaling('toString')).toThrow(/unknown scaling/); // not an inherited property
  });

  it('fromGanSpace inverts toGanSpace; null scaling changes nothing', () => {
    const c = fakeCohort(7, 3);
    const s: DataScaling = { center: [120, 70, 2], scale: [20, 10, 1.5] };
    const there = toGanSpace(c, s);
    const back = fromGanSpace(Float32Array.from(there.x), c.maxima, s, 36);
    for (let i = 0; i < c.x.length; i++) expect(back[i]).toBeCloseTo(c.x[i], 5);
    expect(toGanSpace(c, null)).toBe(c);
    // intoGanSpace: the same values, in place.
    const values = Float32Array.from(c.x);
    expect(intoGanSpace(values, c.maxima, s, 36)).toBe(values);
    expect(Array.from(values)).toEqual(Array.from(there.x));
    const x = Float32Array.of(0.5, 0.25);
    expect(fromGanSpace(x, c.maxima, null, 36)).toBe(x);
    expect(Array.from(x)).toEqual([0.5, 0.25]);
    expect(SCALINGS.max).toBeNull();
    expect(SCALINGS.sprint).toBe(SPRINT_SCALING);
  });

  it('refuses scales that are not positive and centers that are not finite', async () => {
    expect(() => validateScaling({ center: [130, 72, 2.2], scale: [15, 0, 1] })).toThrow(/three positive scales/);
    expect(() => validateScaling({ center: [130, NaN, 2.2], scale: [15, 12, 1] })).toThrow(/three finite centers/);
    expect(() => validateScaling({ center: [130, 72], scale: [15, 12] } as unknown as DataScaling)).toThrow(/SBP, DBP, N_BPCLASSES/);
    expect(() => validateScaling(null)).not.toThrow();
    await expect(trainGan({ ...tinyRun(tempDir()), scaling: { center: [1, 2, 3], scale: [1, -1, 1] } })).rejects.toThrow(/three positive scales/);
  });

  it('sampling maps a generator output of 1 to raw = center + scale, without the maxima', () => {
    // All weights zero but the output bias: every value the generator makes is exactly 1.
    const g: Params = createGenerator(TINY_ARCHITECTURE, 1);
    for (const [name, v] of g) v.assign(name === 'g_conv2/bias' ? tf.ones(v.shape) : tf.zeros(v.shape));
    const maxima: [number, number, number] = [233, 137, 7];
    const scaled = sampleCohort(g, TINY_ARCHITECTURE, 4, { maxima, scaling: SPRINT_SCALING, threads: 1 });
    const plain = sampleCohort(g, TINY_ARCHITECTURE, 4, { maxima, threads: 1 });
    for (let i = 0; i < 4; i++) {
      for (let v = 0; v < 12; v++) {
        expect(scaled.x[i * 36 + v] * 233).toBeCloseTo(145, 3);
        expect(scaled.x[i * 36 + 12 + v] * 137).toBeCloseTo(84, 3);
        expect(scaled.x[i * 36 + 24 + v] * 7).toBeCloseTo(3.4, 4);
        expect(plain.x[i * 36 + v]).toBe(1);
      }
    }
    const files = writeSprintCsv(tempDir(), scaled);
    expect(fs.readFileSync(files.bp, 'utf8').split('\n')[1]).toBe('SYN-A000001,RZ,145.00,84.00,3');
    disposeParams(g);
  });

  it('a run trains in its scaling, records it, and samples back to the cohort scale', async () => {
    const out = tempDir();
    const train = fakeCohort(40, 5);
    const holdout = fakeCohort(12, 6);
    const opts = { ...tinyRun(out), train, holdout, epochs: 1, scaling: SPRINT_SCALING };
    const r = await trainGan(opts);
    expect(r.run.config.scaling).toEqual(SPRINT_SCALING);
    const { params, meta } = loadGenerator(path.join(out, 'generator', 'epoch-0001'));
    expect(meta.scaling).toEqual(SPRINT_SCALING);
    expect(meta.maxima).toEqual(train.maxima);
    // sampleFromRun applies the run's scaling: the same numbers as raw generation then fromGanSpace.
    const sampled = sampleFromRun(out, 6, { seed: 3 });
    const rawOut = sampleCohort(params, meta.architecture, 6, { seed: 3, maxima: meta.maxima, arms: 'random', threads: 1 });
    const expected = fromGanSpace(Float32Array.from(rawOut.x), train.maxima, SPRINT_SCALING, 36);
    for (let i = 0; i < expected.length; i++) expect(sampled.x[i]).toBeCloseTo(expected[i], 5);
    disposeParams(params);
    // The per-epoch holdout losses were computed on the holdout in the GAN's space.
    const state = readTensorState(path.join(out, 'state', 'epoch-0001'));
    const load = (p: Params, prefix: string) => {
      for (const [name, v] of p) v.assign(tf.tensor((state.values.get(`${prefix}${name}`) as { data: Float32Array }).data, v.shape));
    };
    const arch = r.run.config.architecture;
    const d = createDiscriminator(arch, 0);
    const g = createGenerator(arch, 0);
    load(d, 'D:');
    load(g, 'G:');
    const inSpace = await evaluateLosses(g, d, arch, toGanSpace(holdout, SPRINT_SCALING), 1000, new Random(opts.seed ?? 0).derive('eval:1'));
    const unscaled = await evaluateLosses(g, d, arch, holdout, 1000, new Random(opts.seed ?? 0).derive('eval:1'));
    expect(r.history[0].holdout?.d.gen).toBeCloseTo(inSpace.d.gen, 5);
    expect(Math.abs((r.history[0].holdout?.d.gen ?? 0) - unscaled.d.gen)).toBeGreaterThan(1e-4);
    disposeParams(d);
    disposeParams(g);
  });

  it('a run stored before scaling existed resumes as unscaled; a different scaling is refused', async () => {
    const out = tempDir();
    await trainGan({ ...tinyRun(out), epochs: 1 });
    const runFile = path.join(out, 'run.json');
    const old = JSON.parse(fs.readFileSync(runFile, 'utf8'));
    expect(old.config.scaling).toBeNull();
    delete old.config.scaling;
    fs.writeFileSync(runFile, JSON.stringify(old));
    await expect(trainGan({ ...tinyRun(out), epochs: 2, scaling: SPRINT_SCALING, resume: true })).rejects.toThrow(/Cannot resume .*: scaling was null/);
    expect((await trainGan({ ...tinyRun(out), epochs: 2, resume: true })).checkpoint).toMatchObject({ epoch: 2, finished: true });
  });
});
