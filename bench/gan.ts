/**
 * GAN training benchmarks (issue 5): ms per training step at batch 1 and 64
 * per backend, DP noise generation, ghost vs loop per-example clipping,
 * generator sampling of 6000 patients.
 *
 *   npx tsx bench/gan.ts [--json] [--backends wasm,cpu] [--reps N]
 *
 * One "step" = what train.ts does per step: Poisson-sampled real rows (here a
 * fixed batch), B generated rows, the D DP-SGD update (ghost clipping, noise,
 * Adam), then the G update on 2B noise vectors. Paper architecture.
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { selectBackend } from '../lib/gan/backend';
import { Adam } from '../lib/gan/adam';
import { dpGradientsGhost, dpGradientsLoop, type DBatch } from '../lib/gan/dpsgd';
import {
  PAPER_ARCHITECTURE,
  countParams,
  createDiscriminator,
  createGenerator,
  discriminate,
  disposeMasks,
  disposeParams,
  generate,
  makeDropoutMasks,
  perExampleLosses,
} from '../lib/gan/models';
import { fillGaussian } from '../lib/gan/noise';
import { sampleCohort } from '../lib/gan/sample';
import { Random } from '../lib/random';

const { values } = parseArgs({
  options: { json: { type: 'boolean' }, backends: { type: 'string' }, reps: { type: 'string' } },
});
const reps = Number(values.reps ?? 3);
const backends = (values.backends ?? 'wasm,cpu').split(',');
const arch = PAPER_ARCHITECTURE;
const rows: { name: string; backend: string; ms: number; note?: string }[] = [];

/** Records a row and prints it at once (stderr), so a slow backend's partial results survive. */
function report(r: { name: string; backend: string; ms: number; note?: string }) {
  rows.push(r);
  console.error(`  ${r.backend}: ${r.name}: ${r.ms.toFixed(1)} ms${r.note ? ` (${r.note})` : ''}`);
}

function time(fn: () => void, n = reps, warm = true): number {
  if (warm) fn();
  const t = performance.now();
  for (let i = 0; i < n; i++) fn();
  return (performance.now() - t) / n;
}

function batchOf(B: number, rng: Random): DBatch {
  const [h, w] = arch.patientShape;
  const n = 2 * B;
  return {
    x: tf.tensor4d(Float32Array.from({ length: n * h * w }, () => rng.uniform()), [n, h, w, 1]),
    arms: tf.tensor1d(Int32Array.from({ length: n }, () => rng.int(0, 2)), 'int32'),
    nReal: B,
    masks: makeDropoutMasks(arch, n, rng),
  };
}

function disposeBatch(b: DBatch) {
  b.x.dispose();
  b.arms.dispose();
  disposeMasks(b.masks);
}

async function main() {
  // Noise: tf.randomNormal vs the ziggurat, for the discriminator's size.
  const nD = 1_858_947;
  const rng = new Random(1);
  const buf = new Float32Array(nD);
  report({ name: 'noise 1.86M normals: ziggurat (Float32Array)', backend: 'js', ms: time(() => fillGaussian(buf, rng)) });
  await selectBackend({ backend: 'cpu', log: null });
  report({ name: 'noise 1.86M normals: tf.randomNormal', backend: 'cpu', ms: time(() => tf.randomNormal([nD], 0, 1, 'float32', 7).dispose()) });
  report({
    name: 'noise 1.86M normals: ziggurat + tensor upload',
    backend: 'cpu',
    ms: time(() => tf.tensor1d(fillGaussian(buf, rng)).dispose()),
  });

  for (const backend of backends) {
    await selectBackend({ backend, log: (l) => console.error(l) });
    const d = createDiscriminator(arch, 1);
    const g = createGenerator(arch, 2);
    const adamD = new Adam(d, { learningRate: 1e-4 });
    const adamG = new Adam(g, { learningRate: 1e-4 });
    const gVars = [...g.values()];
    const dp = { clipNorm: 1e-4, noiseMultiplier: 1, expectedBatchSize: 1 };
    const stepBatches = backend === 'cpu' ? [1] : [1, 64];
    for (const B of stepBatches) {
      const ms = time(
        () => {
          const r = new Random(B);
          const batch = batchOf(B, r);
          const res = dpGradientsGhost(d, arch, batch, { ...dp, expectedBatchSize: B }, r.derive('noise'));
          adamD.apply(d, res.grads);
          for (const t of res.grads.values()) t.dispose();
          disposeBatch(batch);
          const z = tf.randomUniform([2 * B, arch.latentSize], -1, 1) as tf.Tensor2D;
          const arms = tf.tensor1d(Int32Array.from({ length: 2 * B }, () => r.int(0, 2)), 'int32');
          const masks = makeDropoutMasks(arch, 2 * B, r);
          const ones = tf.ones([2 * B]) as tf.Tensor1D;
          const { value, grads } = tf.variableGrads(() => {
            const l = perExampleLosses(discriminate(d, arch, generate(g, arch, z, arms), masks), ones, arms, 2);
            return tf.add(tf.mean(l.gen), tf.mean(l.aux)) as tf.Scalar;
          }, gVars);
          const gg = new Map([...g].map(([k, v]) => [k, grads[v.name]]));
          adamG.apply(g, gg);
          value.dispose();
          for (const t of gg.values()) t.dispose();
          [z, arms, ones].forEach((t) => t.dispose());
          disposeMasks(masks);
        },
        backend === 'cpu' ? 1 : reps,
        backend !== 'cpu',
      );
      report({ name: `DP training step, batch ${B} (D ghost + noise + Adam, then G on ${2 * B})`, backend, ms });
    }
    // Ghost vs loop per-example clipping (D gradient only).
    const B = backend === 'cpu' ? 4 : 64;
    const r = new Random(3);
    const batch = batchOf(B, r);
    for (const [label, fn] of [
      ['ghost', dpGradientsGhost],
      ['loop', dpGradientsLoop],
    ] as const) {
      const ms = time(() => {
        const res = fn(d, arch, batch, { ...dp, expectedBatchSize: B }, new Random(4));
        for (const t of res.grads.values()) t.dispose();
      }, 1, backend !== 'cpu');
      report({ name: `per-example clipped D gradient, ${B} real + ${B} generated: ${label}`, backend, ms });
    }
    disposeBatch(batch);
    // Plain cpu is too slow for 6000 within a bench run: time 300 and scale.
    const nGen = backend === 'cpu' ? 300 : 6000;
    const genMs = time(() => sampleCohort(g, arch, nGen, { seed: 1, maxima: [1, 1, 1] }), 1, backend !== 'cpu');
    report({
      name: 'generate 6000 patients',
      backend,
      ms: (genMs * 6000) / nGen,
      note: nGen === 6000 ? undefined : `extrapolated from ${nGen}`,
    });
    console.error(`D ${countParams(d)} params, G ${countParams(g)} params`);
    adamD.dispose();
    adamG.dispose();
    disposeParams(d);
    disposeParams(g);
  }
  if (values.json) console.log(JSON.stringify(rows));
  else {
    console.log(`| measure | backend | ms |\n|---|---|---|`);
    for (const r of rows) console.log(`| ${r.name}${r.note ? ` (${r.note})` : ''} | ${r.backend} | ${r.ms.toFixed(1)} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
