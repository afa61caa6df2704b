/**
 * The discriminator attack against a real (tiny) AC-GAN run folder: D is
 * loaded from the latest training state (the family's member scorer, reached
 * through lib/generators' runMemberScorer) and scores patients.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../lib/compute/backend';
import { SPRINT_SCALING, toGanSpace } from '../../../lib/data/scaling';
import { TINY_ARCHITECTURE, createDiscriminator, discriminate, disposeParams, loadDiscriminatorScorer, trainGan } from '../../../lib/generators/acgan/index';
import { runMemberScorer } from '../../../lib/generators/run';
import { readTensorState } from '../../../lib/generators/acgan/checkpoint';
import type { TrainOptions } from '../../../lib/generators/acgan/train';
import type { Cohort } from '../../../lib/data/cohort';
import { runMembershipAudit, membershipSplit, ATTACKS } from '../../../lib/eval/audit/index';
import { fakeAccountant, fakeCohort } from './fixtures';

let dir: string;
beforeAll(async () => {
  await selectBackend({ backend: 'cpu', log: null });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-d-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A short non-private run of the tiny model on `members` into `out`. */
function trainMembers(out: string, members: Cohort, opts: Partial<TrainOptions>) {
  return trainGan({
    out,
    train: members,
    mode: 'batched',
    batchSize: 5,
    stepsPerEpoch: 2,
    noiseMultiplier: 0,
    clipNorm: Infinity,
    learningRate: 1e-3,
    architecture: TINY_ARCHITECTURE,
    accountant: fakeAccountant,
    log: () => {},
    ...opts,
  });
}

describe('loadDiscriminatorScorer', () => {
  it('scores patients with the last epoch of a run and frees its weights', async () => {
    const pool = fakeCohort(40, 3);
    const split = membershipSplit(pool, { seed: 1 });
    const out = path.join(dir, 'run');
    await trainMembers(out, split.members, { epochs: 2, seed: 5 });
    const before = tf.memory().numTensors;
    const scorer = runMemberScorer(out)!; // through the generator interface
    expect(scorer.epoch).toBe(2);
    const a = Array.from(scorer.scoreFn(split.members));
    const b = Array.from(scorer.scoreFn(split.members));
    expect(a).toHaveLength(split.members.n);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(1);
    const rows = runMembershipAudit({ members: split.members, nonMembers: split.nonMembers, synthetic: fakeCohort(30, 9), discriminator: scorer.scoreFn });
    expect(rows[0].attack).toBe(ATTACKS.discriminator);
    expect(rows[0].auc).toBeGreaterThanOrEqual(0);
    scorer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("scores in the run's data scaling (the space D was trained in)", async () => {
    const pool = fakeCohort(40, 5);
    const split = membershipSplit(pool, { seed: 3 });
    const out = path.join(dir, 'scaled');
    await trainMembers(out, split.members, { epochs: 1, seed: 7, scaling: SPRINT_SCALING });
    const scorer = loadDiscriminatorScorer(out);
    const got = Array.from(scorer.scoreFn(split.nonMembers));
    scorer.dispose();
    // D from the saved state, applied by hand to the patients in the GAN's space and as they are.
    const state = readTensorState(path.join(out, 'state', 'epoch-0001'));
    const d = createDiscriminator(TINY_ARCHITECTURE, 0);
    for (const [name, v] of d) v.assign(tf.tensor((state.values.get(`D:${name}`) as { data: Float32Array }).data, v.shape));
    const n = split.nonMembers.n;
    const logits = (x: Float32Array) =>
      tf.tidy(() => Array.from(discriminate(d, TINY_ARCHITECTURE, tf.tensor4d(x, [n, 3, 12, 1]), null).logit.dataSync()));
    const inSpace = logits(toGanSpace(split.nonMembers, SPRINT_SCALING).x);
    const asIs = logits(split.nonMembers.x);
    for (let i = 0; i < n; i++) expect(got[i]).toBeCloseTo(inSpace[i], 5);
    expect(Math.max(...asIs.map((v, i) => Math.abs(v - got[i])))).toBeGreaterThan(1e-3);
    disposeParams(d);
  });

  it('explains what is missing', () => {
    expect(() => loadDiscriminatorScorer(path.join(dir, 'nope'))).toThrow(/run\.json/);
    expect(() => runMemberScorer(path.join(dir, 'nope'))).toThrow(/run\.json not found/);
  });
});
