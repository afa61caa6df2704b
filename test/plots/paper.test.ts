import { describe, expect, test } from 'vitest';
import { N_FEATURES } from '../../lib/data/cohort';
import { LogisticRegression, RandomForest } from '../../lib/eval/classifiers/index';
import { chooseEpochs } from '../../lib/eval/epochs';
import type { EpochScore } from '../../lib/eval/score';
import { syntheticFeatures } from '../../lib/eval/units';
import {
  PlotError,
  accuracyGroupsFromTransfer,
  accuracyStrips,
  epochShares,
  figure2Epochs,
  medianSbpByVisit,
  modelWeights,
  poolCohorts,
  sampleEpochs,
} from '../../lib/plots';
import type { CohortLike } from '../../lib/plots';
import { MAXIMA, tinyCohort } from './fixtures';

/** n patients whose every value is `epoch / 10` and arm i % 2: who came from which epoch is visible. */
function epochCohort(epoch: number, n: number): CohortLike {
  return { x: new Float32Array(n * N_FEATURES).fill(epoch / 10), y: Uint8Array.from({ length: n }, (_, i) => i % 2), maxima: MAXIMA };
}

describe('figure2Epochs', () => {
  test('A last, B best logistic, C best forest, D top forest then top logistic (duplicates kept)', () => {
    const panels = figure2Epochs({ last: 9, bestLogistic: 4, bestForest: 7, topForest: [7, 2, 3], topLogistic: [4, 7, 1] });
    expect(panels).toEqual({ A: [9], B: [4], C: [7], D: [7, 2, 3, 4, 7, 1] });
  });

  test("reads lib/eval's chooseEpochs output as is", () => {
    const row = (epoch: number, forest: number, logistic: number): EpochScore => ({
      epoch, forest: forest / 100, logistic: logistic / 100, forestCorrect: forest, logisticCorrect: logistic, nTest: 100,
    });
    const scores = [row(1, 50, 60), row(2, 70, 55), row(3, 65, 80), row(4, 52, 51)];
    const choice = chooseEpochs(scores, { top: 2, privatePicks: 2 });
    expect(figure2Epochs(choice.nonPrivate)).toEqual({ A: [4], B: [3], C: [2], D: [2, 3, 3, 1] });
  });

  test('empty top lists are an error', () => {
    expect(() => figure2Epochs({ last: 1, bestLogistic: 1, bestForest: 1, topForest: [], topLogistic: [1] })).toThrow(PlotError);
  });
});

describe('pooling generated patients', () => {
  test('epochShares: equal shares, the first ones take the remainder', () => {
    expect(epochShares(10, 3)).toEqual([4, 3, 3]);
    expect(epochShares(2, 4)).toEqual([1, 1, 0, 0]);
    expect(epochShares(0, 2)).toEqual([0, 0]);
    expect(() => epochShares(5, 0)).toThrow(PlotError);
    expect(() => epochShares(-1, 2)).toThrow(PlotError);
  });

  test('poolCohorts concatenates patients in order', () => {
    const pooled = poolCohorts([epochCohort(1, 2), epochCohort(3, 1)]);
    expect(pooled.n).toBe(3);
    expect(pooled.maxima).toEqual(MAXIMA);
    expect(Array.from(pooled.y)).toEqual([0, 1, 0]);
    expect(pooled.x[0]).toBeCloseTo(0.1);
    expect(pooled.x[2 * N_FEATURES]).toBeCloseTo(0.3);
    expect(Array.from(pooled.maxima)).toEqual(MAXIMA);
  });

  test('poolCohorts refuses mixed normalizations and malformed parts', () => {
    const other: CohortLike = { ...epochCohort(1, 1), maxima: [1, 1, 1] };
    expect(() => poolCohorts([epochCohort(1, 1), other])).toThrow(/maxima/);
    expect(() => poolCohorts([{ x: new Float32Array(5), y: new Uint8Array(1), maxima: MAXIMA }])).toThrow(/per patient/);
    expect(() => poolCohorts([{ x: new Float32Array(N_FEATURES), y: new Uint8Array(1), maxima: [1, 2] }])).toThrow(/expected 3/);
    expect(() => poolCohorts([])).toThrow(PlotError);
  });

  test('sampleEpochs: equal shares per listed epoch, seeds that depend only on (seed, slot, epoch)', async () => {
    const calls: [number, number, number][] = [];
    const sampler = (epoch: number, n: number, seed: number): CohortLike => {
      calls.push([epoch, n, seed]);
      return epochCohort(epoch, n);
    };
    const pooled = await sampleEpochs([5, 2, 5], 7, sampler, 11);
    expect(calls.map((c) => [c[0], c[1]])).toEqual([[5, 3], [2, 2], [5, 2]]);
    expect(new Set(calls.map((c) => c[2])).size).toBe(3);
    expect(pooled.n).toBe(7);
    // Patients 0-2 from epoch 5, 3-4 from epoch 2, 5-6 from epoch 5 again.
    expect([0, 3, 5].map((i) => Math.round(pooled.x[i * N_FEATURES] * 10))).toEqual([5, 2, 5]);
    const again: [number, number, number][] = [];
    await sampleEpochs([5, 2, 5], 7, (e, n, s) => (again.push([e, n, s]), epochCohort(e, n)), 11);
    expect(again).toEqual(calls);
    // the pool works as a cohort: medians, and lib/eval's raw-unit features
    expect(medianSbpByVisit(pooled).standard.length).toBe(12);
    expect(syntheticFeatures(pooled)[0]).toBe(Math.trunc(0.5 * MAXIMA[0]));
  });

  test('sampleEpochs checks what the sampler returns', async () => {
    await expect(sampleEpochs([1], 4, (e) => epochCohort(e, 3))).rejects.toThrow(/expected 4/);
    await expect(sampleEpochs([], 4, (e, n) => epochCohort(e, n))).rejects.toThrow(PlotError);
  });
});

describe('accuracyGroupsFromTransfer', () => {
  test('groups the repeats by classifier and source, in first-seen order', () => {
    const cells = [
      { source: 'real' as const, classifier: 'forest', repeats: [0.7, 0.72] },
      { source: 'real' as const, classifier: 'logistic', repeats: [0.66] },
      { source: 'nonPrivate' as const, classifier: 'forest', repeats: [0.6, 0.61] },
      { source: 'private' as const, classifier: 'forest', repeats: [0.55] },
    ];
    const groups = accuracyGroupsFromTransfer(cells);
    expect(groups).toEqual([
      { classifier: 'forest', real: [0.7, 0.72], nonPrivate: [0.6, 0.61], private: [0.55] },
      { classifier: 'logistic', real: [0.66], nonPrivate: undefined, private: undefined },
    ]);
    const fig = accuracyStrips(groups);
    expect(fig.data.map((t) => t.name)).toEqual(['Real', 'Non-private', 'Private']);
    expect(fig.data[0].y).toEqual([0.7, 0.72, 0.66]);
  });

  test('the large test set, and other cohorts named by their label from other tables', () => {
    const cells = [
      { source: 'real', classifier: 'forest', repeats: [0.7], large: { repeats: [0.91, 0.92] } },
      { source: 'private', classifier: 'forest', repeats: [0.6], large: { repeats: [0.81] } },
      { source: 'Private Gaussian', classifier: 'forest', repeats: [0.65], large: { repeats: [0.85] } },
      { source: 'Private Markov-Gaussian', classifier: 'forest', repeats: [0.66], large: { repeats: [0.9] } },
    ];
    expect(accuracyGroupsFromTransfer(cells, 'large')).toEqual([
      { classifier: 'forest', real: [0.91, 0.92], nonPrivate: undefined, private: [0.81], others: { 'Private Gaussian': [0.85], 'Private Markov-Gaussian': [0.9] } },
    ]);
    expect(accuracyGroupsFromTransfer(cells)[0].others).toEqual({ 'Private Gaussian': [0.65], 'Private Markov-Gaussian': [0.66] });
    expect(() => accuracyGroupsFromTransfer([{ source: 'real', classifier: 'svm', repeats: [0.5], large: null }], 'large')).toThrow(/no large-test scores/);
  });

  test('a classifier without a real row, or no cells, is an error', () => {
    expect(() => accuracyGroupsFromTransfer([{ source: 'private', classifier: 'svm', repeats: [0.5] }])).toThrow(/no real row/);
    expect(() => accuracyGroupsFromTransfer([])).toThrow(PlotError);
  });
});

describe('modelWeights', () => {
  const c = tinyCohort();
  const x = Float64Array.from(c.x, (v) => v * 100);
  const n = c.y.length;

  test('forest importances and logistic coefficients, one per feature', () => {
    const forest = new RandomForest({ nEstimators: 3, seed: 1 }).fit(x, n, N_FEATURES, Uint8Array.from(c.y));
    const w = modelWeights(forest);
    expect(w.length).toBe(N_FEATURES);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const logistic = new LogisticRegression().fit(x, n, N_FEATURES, Uint8Array.from(c.y));
    expect(modelWeights(logistic)).toEqual(Array.from(logistic.coefficients));
  });

  test('an object without weights is an error', () => {
    expect(() => modelWeights({})).toThrow(PlotError);
  });
});
