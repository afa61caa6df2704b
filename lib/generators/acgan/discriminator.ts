/**
 * The AC-GAN's membership scorer (lib/generators/family.ts `memberScorer`,
 * used by the discriminator attack of lib/eval/audit): the discriminator of
 * a run folder.
 *
 * A run folder keeps a generator for every epoch but the discriminator only
 * inside the latest training state (`state/epoch-NNNN`, the resume point;
 * ./train.ts deletes older states), so this audits the last complete epoch.
 * Score = D's real/fake logit without dropout: the attacker asks the
 * discriminator how "real" (= training-like) a patient looks. The state is
 * read with ./checkpoint.ts's `readTensorState` (the writer's format) under
 * the keys `D:<weight name>` that train.ts writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readSync } from '../../compute/backend';
import { type DataScaling, intoGanSpace } from '../../data/scaling';
import type { MemberScoreFn, MemberScorer } from '../family';
import { epochDirName, readTensorState } from './checkpoint';
import { type GanArchitecture, createDiscriminator, discriminate, disposeParams } from './models';
import { latestEpoch } from './sample';

/** Logit of D's real/fake head for each patient (no dropout), for the epoch loaded. */
export type DiscriminatorScorer = MemberScorer;

/** Loads the latest discriminator of a run folder as a membership score. */
export function loadDiscriminatorScorer(runDir: string): DiscriminatorScorer {
  const runFile = path.join(runDir, 'run.json');
  if (!fs.existsSync(runFile)) throw new Error(`${runDir}: no run.json, not a sprint-gan run folder`);
  const run = JSON.parse(fs.readFileSync(runFile, 'utf8')) as {
    config: { architecture: GanArchitecture; seed: number; scaling?: DataScaling | null };
    data: { maxima: [number, number, number] };
  };
  // Patients come as the cohort's x = raw / maxima; D was trained in the run's space.
  const scaling = run.config.scaling ?? null;
  const epoch = latestEpoch(runDir);
  const stateDir = path.join(runDir, 'state', epochDirName(epoch));
  if (!fs.existsSync(stateDir)) throw new Error(`${runDir}: no training state for epoch ${epoch} (${stateDir}); the discriminator is kept only in the latest state`);
  const state = readTensorState<unknown>(stateDir);
  const arch = run.config.architecture;
  const d = createDiscriminator(arch, run.config.seed);
  for (const [name, v] of d) {
    const e = state.values.get(`D:${name}`);
    if (!e) {
      disposeParams(d);
      throw new Error(`${stateDir} lacks the discriminator weight D:${name}`);
    }
    const t = tf.tensor(e.data, v.shape);
    v.assign(t);
    t.dispose();
  }
  const [h, w] = arch.patientShape;
  const scoreFn: MemberScoreFn = (patients) => {
    const n = patients.n;
    if (patients.x.length !== n * h * w) throw new RangeError(`discriminator score: expected ${h * w} values per patient`);
    const out = new Float64Array(n);
    const chunk = 512;
    for (let start = 0; start < n; start += chunk) {
      const m = Math.min(chunk, n - start);
      const vals = tf.tidy(() => {
        const rows = Float32Array.from({ length: m * h * w }, (_, k) => patients.x[start * h * w + k]);
        const x = tf.tensor4d(intoGanSpace(rows, run.data.maxima, scaling, h * w), [m, h, w, 1]);
        return readSync(discriminate(d, arch, x, null).logit, 'the discriminator attack');
      });
      out.set(vals, start);
    }
    return out;
  };
  return { scoreFn, epoch, dispose: () => disposeParams(d) };
}
