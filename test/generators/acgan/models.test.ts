import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../lib/compute/backend';
import {
  PAPER_ARCHITECTURE,
  COMPACT_ARCHITECTURE,
  TINY_ARCHITECTURE,
  namedArchitecture,
  countParams,
  createDiscriminator,
  discriminatorInput,
  resolveArchitecture,
  createGenerator,
  discriminate,
  disposeMasks,
  disposeParams,
  generate,
  makeDropoutMasks,
} from '../../../lib/generators/acgan/models';
import { loadGenerator, saveGenerator } from '../../../lib/generators/acgan/checkpoint';
import { sampleCohort } from '../../../lib/generators/acgan/sample';
import { writeSprintCsv } from '../../../lib/data/write';
import { Random } from '../../../lib/random';

beforeAll(async () => {
  await selectBackend({ backend: 'cpu', log: null });
});

describe('models', () => {
  it('have the paper architecture: parameter counts and shapes', () => {
    const arch = PAPER_ARCHITECTURE;
    const g = createGenerator(arch, 1);
    const d = createDiscriminator(arch, 1);
    // G: embedding 2x100, dense 100->256, 256->384, conv 5x5x32x256, conv 4x4x256x1.
    expect(countParams(g)).toBe(200 + 25856 + 98688 + 205056 + 4097);
    // D: conv 3x3x1x32, conv 3x3x32x64, dense 768->1024, 1024->1024, heads 1 and 2.
    expect(countParams(d)).toBe(320 + 18496 + 787456 + 1049600 + 1025 + 2050);
    tf.tidy(() => {
      const z = tf.randomUniform([3, 100], -1, 1);
      const arms = tf.tensor1d([0, 1, 1], 'int32');
      const x = generate(g, arch, z as tf.Tensor2D, arms);
      expect(x.shape).toEqual([3, 3, 12, 1]);
      const out = discriminate(d, arch, x, null);
      expect(out.logit.shape).toEqual([3]);
      expect(out.armLogits.shape).toEqual([3, 2]);
    });
    disposeParams(g);
    disposeParams(d);
  });

  it('have a compact architecture: the paper generator, a small discriminator', () => {
    const arch = namedArchitecture('compact');
    expect(arch).toBe(COMPACT_ARCHITECTURE);
    const g = createGenerator(arch, 1);
    const d = createDiscriminator(arch, 1);
    expect(countParams(g)).toBe(200 + 25856 + 98688 + 205056 + 4097);
    // D: conv 3x3x1x8 (+8), conv 3x3x8x16 (+16), dense 2*6*16=192 -> 32, 32 -> 32, heads 1 and 2.
    expect(countParams(d)).toBe(80 + 1168 + 6176 + 1056 + 33 + 66);
    tf.tidy(() => {
      const x = generate(g, arch, tf.randomUniform([2, 100], -1, 1) as tf.Tensor2D, tf.tensor1d([0, 1], 'int32'));
      const out = discriminate(d, arch, x, null);
      expect(out.logit.shape).toEqual([2]);
      expect(out.armLogits.shape).toEqual([2, 2]);
    });
    disposeParams(g);
    disposeParams(d);
  });

  it('are looked up by name, with the names in the error', () => {
    expect(namedArchitecture('paper')).toBe(PAPER_ARCHITECTURE);
    expect(namedArchitecture('tiny')).toBe(TINY_ARCHITECTURE);
    expect(() => namedArchitecture('huge')).toThrow("unknown architecture 'huge': expected one of paper, compact, tiny");
    expect(() => namedArchitecture('toString')).toThrow(/unknown architecture/);
  });

  it('dDeviation: the second channel is each value minus its patient and measure mean over visits (naive loops)', () => {
    const rng = new Random(5);
    const n = 3;
    const vals = Float32Array.from({ length: n * 36 }, () => rng.uniform(-2, 2));
    const x = tf.tensor4d(vals, [n, 3, 12, 1]);
    expect(discriminatorInput(x, COMPACT_ARCHITECTURE)).toBe(x); // off: the input as it is
    const both = discriminatorInput(x, { ...COMPACT_ARCHITECTURE, dDeviation: true });
    expect(both.shape).toEqual([n, 3, 12, 2]);
    const got = both.dataSync();
    for (let i = 0; i < n; i++) {
      for (let m = 0; m < 3; m++) {
        let mean = 0;
        for (let v = 0; v < 12; v++) mean += vals[i * 36 + m * 12 + v] / 12;
        for (let v = 0; v < 12; v++) {
          const at = ((i * 3 + m) * 12 + v) * 2;
          expect(got[at]).toBeCloseTo(vals[i * 36 + m * 12 + v], 6);
          expect(got[at + 1]).toBeCloseTo(vals[i * 36 + m * 12 + v] - mean, 5);
        }
      }
    }
    [x, both].forEach((t) => t.dispose());
  });

  it('dDeviation: 72 more weights in compact (3x3x8 first-layer kernel); D reads the channel (shift invariance)', () => {
    const arch = { ...COMPACT_ARCHITECTURE, dDeviation: true };
    const d = createDiscriminator(arch, 3);
    expect(countParams(createDiscriminator(COMPACT_ARCHITECTURE, 3))).toBe(8579);
    expect(countParams(d)).toBe(8579 + 72);
    const rng = new Random(9);
    const vals = Float32Array.from({ length: 2 * 36 }, () => rng.uniform(-1, 1));
    // The same two patients with every SBP raised by 0.7 and every DBP lowered by 0.4 (all visits).
    const shifted = vals.map((v, k) => v + ((k % 36) < 12 ? 0.7 : (k % 36) < 24 ? -0.4 : 0));
    const logits = (p: typeof d) => [vals, shifted].map((a) => Array.from(discriminate(p, arch, tf.tensor4d(a, [2, 3, 12, 1]), null).logit.dataSync()));
    const kernel = d.get('d_conv1/kernel') as tf.Variable; // [3, 3, 2, 8]
    const k0 = kernel.dataSync().slice();
    // Only the deviation channel: the output ignores a per-measure shift over all visits.
    kernel.assign(tf.tensor4d(k0.map((v, i) => (Math.floor(i / 8) % 2 === 0 ? 0 : v)), [3, 3, 2, 8]));
    const [a, b] = logits(d);
    for (let i = 0; i < 2; i++) expect(b[i]).toBeCloseTo(a[i], 5);
    // Only the raw channel: it does not.
    kernel.assign(tf.tensor4d(k0.map((v, i) => (Math.floor(i / 8) % 2 === 1 ? 0 : v)), [3, 3, 2, 8]));
    const [c, e] = logits(d);
    expect(Math.max(...c.map((v, i) => Math.abs(v - e[i])))).toBeGreaterThan(1e-3);
    disposeParams(d);
    expect(() => resolveArchitecture({ dDeviation: 'yes' as unknown as boolean })).toThrow("architecture: dDeviation must be true or false, got 'yes'");
    expect(resolveArchitecture({}).dDeviation).toBe(false); // the paper's discriminator
    for (const bad of [-0.1, 1, NaN]) expect(() => resolveArchitecture({ dropout: bad })).toThrow(`architecture: dropout must be a rate in [0, 1), got ${bad}`);
    expect(resolveArchitecture({ dropout: 0 }).dropout).toBe(0);
    expect(resolveArchitecture({}).dropout).toBe(0.3); // the paper's
  });

  it('initialize deterministically from the seed', () => {
    const a = createGenerator(TINY_ARCHITECTURE, 7);
    const b = createGenerator(TINY_ARCHITECTURE, 7);
    const c = createGenerator(TINY_ARCHITECTURE, 8);
    for (const [k, v] of a) {
      expect(Array.from(v.dataSync())).toEqual(Array.from((b.get(k) as tf.Variable).dataSync()));
      if (k.endsWith('kernel')) expect(Array.from(v.dataSync())).not.toEqual(Array.from((c.get(k) as tf.Variable).dataSync()));
    }
    [a, b, c].forEach(disposeParams);
  });

  it("gEmbeddingInit 'ones': the embedding starts at 1, every other weight as with Glorot; the output scales with it", () => {
    const glorot = createGenerator(PAPER_ARCHITECTURE, 7);
    const ones = createGenerator({ ...PAPER_ARCHITECTURE, gEmbeddingInit: 'ones' }, 7);
    for (const [k, v] of ones) {
      const values = Array.from(v.dataSync());
      if (k === 'g_embedding/embeddings') {
        expect(values).toEqual(new Array(2 * 100).fill(1));
        const g = Array.from((glorot.get(k) as tf.Variable).dataSync());
        // Keras glorot normal for [2, 100]: sd sqrt(2 / 102) = 0.14 (truncated at 2 sd).
        const sd = Math.sqrt(g.reduce((a, x) => a + x * x, 0) / g.length);
        expect(sd).toBeGreaterThan(0.1);
        expect(sd).toBeLessThan(0.18);
      } else {
        expect(values).toEqual(Array.from((glorot.get(k) as tf.Variable).dataSync()));
      }
    }
    // Zero biases and ReLU at the start: G(z) with embedding 3 is exactly 3 x G(z) with embedding 1.
    const z = tf.randomUniform([16, 100], -1, 1, 'float32', 3) as tf.Tensor2D;
    const arms = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 2), 'int32');
    const one = generate(ones, PAPER_ARCHITECTURE, z, arms).dataSync();
    (ones.get('g_embedding/embeddings') as tf.Variable).assign(tf.fill([2, 100], 3));
    const three = generate(ones, PAPER_ARCHITECTURE, z, arms).dataSync();
    let spread = 0;
    for (let i = 0; i < one.length; i++) {
      expect(three[i]).toBeCloseTo(3 * one[i], 5);
      spread = Math.max(spread, Math.abs(one[i]));
    }
    expect(spread).toBeGreaterThan(0.01); // not a degenerate all-zero start
    expect(() => createGenerator({ ...PAPER_ARCHITECTURE, gEmbeddingInit: 'he' as 'ones' }, 1)).toThrow(/gEmbeddingInit must be 'glorotNormal' or 'ones', got 'he'/);
    [glorot, ones].forEach(disposeParams);
    tf.dispose([z, arms]);
  });

  it('draw dropout masks from the given stream (rate 0.3, scaled)', () => {
    const m1 = makeDropoutMasks(PAPER_ARCHITECTURE, 8, new Random(1).derive('step:3'));
    const m2 = makeDropoutMasks(PAPER_ARCHITECTURE, 8, new Random(1).derive('step:3'));
    const m3 = makeDropoutMasks(PAPER_ARCHITECTURE, 8, new Random(1).derive('step:4'));
    const v1 = m1.dense1.dataSync();
    expect(Array.from(v1)).toEqual(Array.from(m2.dense1.dataSync()));
    expect(Array.from(v1)).not.toEqual(Array.from(m3.dense1.dataSync()));
    const zeros = v1.filter((v) => v === 0).length / v1.length;
    expect(Math.abs(zeros - 0.3)).toBeLessThan(0.03);
    for (const v of v1) if (v !== 0) expect(v).toBeCloseTo(1 / 0.7, 5);
    [m1, m2, m3].forEach(disposeMasks);
  });
});

describe('generator checkpoint (TF.js layers format)', () => {
  it('loads with tf.loadLayersModel and with loadGenerator, same outputs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gan-model-'));
    const arch = TINY_ARCHITECTURE;
    const g = createGenerator(arch, 3);
    await saveGenerator(path.join(dir, 'gen'), g, { architecture: arch, epoch: 1, maxima: [200, 120, 6], seed: 3 });
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'gen', 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    const weights = fs.readFileSync(path.join(dir, 'gen', 'weights.bin'));
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    );
    const loaded = loadGenerator(path.join(dir, 'gen'));
    expect(loaded.meta.maxima).toEqual([200, 120, 6]);
    tf.tidy(() => {
      const z = tf.randomUniform([4, arch.latentSize], -1, 1, 'float32', 1) as tf.Tensor2D;
      const arms = tf.tensor1d([0, 1, 0, 1], 'int32');
      const ref = generate(g, arch, z, arms).dataSync();
      const viaLayers = (model.predict([z, arms.reshape([4, 1])]) as tf.Tensor).dataSync();
      const viaLoad = generate(loaded.params, loaded.meta.architecture, z, arms).dataSync();
      for (let i = 0; i < ref.length; i++) {
        expect(viaLayers[i]).toBeCloseTo(ref[i], 5);
        expect(viaLoad[i]).toBe(ref[i]);
      }
    });
    model.dispose();
    disposeParams(g);
    disposeParams(loaded.params);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('sampling', () => {
  it('is seeded and writes SPRINT-format CSVs in mmHg', () => {
    const arch = TINY_ARCHITECTURE;
    const g = createGenerator(arch, 3);
    const a = sampleCohort(g, arch, 7, { seed: 1, maxima: [200, 120, 6], chunk: 3 });
    const b = sampleCohort(g, arch, 7, { seed: 1, maxima: [200, 120, 6] });
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(a.maskIds[0]).toBe('SYN-A000001');
    expect(a.maskIds[6]).toBe('SYN-A000007');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gan-csv-'));
    // Put values in a realistic range to check the mapping back to mmHg.
    a.x.fill(0.6);
    const files = writeSprintCsv(dir, a);
    const bp = fs.readFileSync(files.bp, 'utf8').trim().split('\n');
    expect(bp[0]).toBe('MASKID,VISITCODE,SBP,DBP,N_BPCLASSES');
    expect(bp.length).toBe(1 + 7 * 12);
    expect(bp[1]).toBe('SYN-A000001,RZ,120.00,72.00,4');
    expect(bp[12]).toMatch(/^SYN-A000001,27M,/);
    const baseline = fs.readFileSync(files.baseline, 'utf8').trim().split('\n');
    expect(baseline[0]).toBe('MASKID,INTENSIVE');
    expect(baseline.length).toBe(8);
    disposeParams(g);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
