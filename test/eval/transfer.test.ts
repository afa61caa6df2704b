import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Cohort } from '../../lib/data/cohort';
import { selectPatients } from '../../lib/data/preprocess';
import {
  armSeparability,
  CLASSIFIER_NAMES,
  fidelityHtml,
  meanSd,
  repeatRows,
  transferCell,
  transferTable,
  transferTableHtml,
  transferTableText,
  LinearSvm,
  realFeatures,
  unconvergedNote,
  type TransferTable,
} from '../../lib/eval';
import { cachedTransferTable, parseTransferTable, serializeTransferTable, transferFingerprint } from '../../lib/eval/transfer-cache';
import { Random } from '../../lib/random';
import { flipLabels, simulatedSplit } from './cohorts';

describe('transfer table', () => {
  const { train, test } = simulatedSplit(1100, 480);

  it('meanSd uses the sample sd; repeat subsets depend on (seed, repeat, size) only', () => {
    expect(meanSd([0.7, 0.8, 0.9])).toEqual({ mean: expect.closeTo(0.8, 12), sd: expect.closeTo(0.1, 12) });
    expect(meanSd([0.5])).toEqual({ mean: 0.5, sd: 0 });
    const a = repeatRows(1, 0, 100, 10);
    expect(a).toEqual(repeatRows(1, 0, 100, 10));
    expect(a).not.toEqual(repeatRows(1, 1, 100, 10));
    expect(new Set(a).size).toBe(10);
    expect(Array.from(a)).toEqual([...a].sort((x, y) => x - y));
  });

  it('"synthetic = real" reproduces the real baseline exactly; noise labels fall to chance; shape and fidelity', async () => {
    const calls: Array<[string, number, number]> = [];
    // The non-private "generator" returns the real training patients, in order, in 2 epochs' shares.
    const copy = (epoch: number, n: number): Cohort => {
      calls.push(['copy', epoch, n]);
      const start = epoch === 11 ? 0 : train.n / 2;
      return selectPatients(train, Array.from({ length: n }, (_, i) => start + i));
    };
    // The private one returns patients whose arms carry no information.
    const noise = (epoch: number, n: number): Cohort => flipLabels(selectPatients(train, Array.from({ length: n }, (_, i) => i % train.n)), 0.5, epoch);
    const progress: string[] = [];
    const table = await transferTable({
      realTrain: train,
      realTest: test,
      nonPrivate: { sampleEpoch: copy, epochs: [11, 12] },
      private: { sampleEpoch: noise, epochs: [3, 5, 8] },
      pooledSize: train.n,
      subsetSize: 200,
      repeats: 3,
      seed: 5,
      onProgress: (m) => progress.push(m),
    });
    expect(calls).toEqual([
      ['copy', 11, 240],
      ['copy', 12, 240],
    ]);
    expect(table.cells).toHaveLength(3 * CLASSIFIER_NAMES.length);
    expect(table.settings).toMatchObject({ pooledSize: 480, subsetSize: 200, repeats: 3, nTest: test.n, nRealTrain: 480, epochs: { nonPrivate: [11, 12], private: [3, 5, 8] } });
    for (const name of CLASSIFIER_NAMES) {
      const real = transferCell(table, 'real', name);
      const same = transferCell(table, 'nonPrivate', name);
      const random = transferCell(table, 'private', name);
      expect(real && same && random).toBeTruthy();
      if (!real || !same || !random) continue;
      expect(real.repeats).toHaveLength(3);
      expect({ ...same, source: 'real' }).toEqual(real);
      expect(random.mean).toBeLessThan(real.mean);
      expect(Math.abs(random.pooled - 0.5)).toBeLessThan(0.15);
    }
    // Convergence: every fit converges. The paper's LinearSVC setting (raw values, dual solver) stops
    // at its 1000-pass limit on these patients, as scikit-learn's does; the default SVM standardizes.
    expect(new LinearSvm({ standardize: false, solver: 'dual' }).fit(realFeatures(train), train.n, 36, train.y).converged).toBe(false);
    for (const c of table.cells) expect([c.classifier, c.unconverged]).toEqual([c.classifier, 0]);
    expect(transferCell(table, 'real', 'logistic')?.pooled).toBeGreaterThan(0.8);
    const same = table.fidelity.nonPrivate;
    expect(same?.report.correlationSpearman).toBeCloseTo(1, 12);
    expect(same?.forestImportanceSpearman).toBeCloseTo(1, 12);
    expect(same?.logisticCoefficientSpearman).toBeCloseTo(1, 12);
    expect(same?.report.syntheticMeans).toEqual(same?.report.realMeans);
    expect(table.fidelity.private?.report.correlationSpearman).toBeLessThan(1.0000001);
    // Separability: the copy is as separable as the real patients (same pool), the noise labels are not.
    expect(same?.armSeparability.synthetic).toBe(same?.armSeparability.real);
    expect(same?.armSeparability.real).toBeGreaterThan(0.75);
    expect(Math.abs((table.fidelity.private?.armSeparability.synthetic ?? 0) - 0.5)).toBeLessThan(0.12);
    expect(fidelityHtml({ 'non-private': same! })).toContain('arm separability (forest, half/half): synthetic');
    expect(fidelityHtml({ 'non-private': same! })).toContain('within-arm sd SBP: synthetic');
    expect(progress.length).toBeGreaterThanOrEqual(12);
    // Renderers.
    expect(transferTableHtml(table)).toMatch(/<th>Synthetic, private: mean ± sd<\/th>/);
    // No fit stopped at its limit, so no note under the table.
    expect(transferTableText(table).split('\n')).toHaveLength(3 + CLASSIFIER_NAMES.length);
    expect(transferTableText(table).startsWith(`Accuracy on ${test.n} real held-out patients.`)).toBe(true);
    expect(() => transferTableText(table, 'large')).toThrow(/no large test set/);
    for (const c of table.cells) expect(c.large).toBeNull();
    expect(transferTableHtml(table)).not.toContain('<p>');
    expect(fidelityHtml({ 'non-private': same! })).toContain('Spearman of forest feature importances');
  }, 60_000);

  it('unconvergedNote: one sentence per classifier with unconverged fits, nothing when all converged', () => {
    expect(unconvergedNote([{ classifier: 'svm', unconverged: 0, fits: 4 }, { classifier: 'logistic', unconverged: 0, fits: 4 }])).toBe('');
    expect(unconvergedNote([])).toBe('');
    const one = unconvergedNote([{ classifier: 'logistic', unconverged: 1, fits: 1 }]);
    expect(one).toMatch(/^Logistic regression: 1 of 1 fit stopped at the solver's iteration limit before converging\. Such a model/);
    const two = unconvergedNote([
      { classifier: 'svm', unconverged: 3, fits: 22 },
      { classifier: 'forest', unconverged: 0, fits: 22 },
      { classifier: 'logistic', unconverged: 2, fits: 22 },
    ]);
    expect(two).toMatch(/^Linear SVM: 3 of 22 fits stopped .*converging\. Logistic regression: 2 of 22 fits stopped .*converging\. Such a model/);
    expect(two).not.toContain('Random forest');
  });

  it('armSeparability: 1 for arms far apart, chance for labels that carry nothing, deterministic, size-limited', () => {
    const n = 400;
    const y = Uint8Array.from({ length: n }, (_, i) => i % 2);
    const rng = new Random(3);
    const apart = { n, y, x: Float64Array.from({ length: n * 36 }, (_, k) => 120 + 5 * rng.normal() + 60 * y[Math.floor(k / 36)]) };
    expect(armSeparability(apart, 1)).toBe(1);
    const blind = { n, y, x: Float64Array.from({ length: n * 36 }, () => 120 + 5 * rng.normal()) };
    const chance = armSeparability(blind, 1);
    expect(Math.abs(chance - 0.5)).toBeLessThan(0.12);
    expect(armSeparability(blind, 1)).toBe(chance);
    // limit: only the first `limit` patients of the shuffle take part (half train, half test).
    const limited = armSeparability(blind, 1, 9);
    expect(limited * 5).toBeCloseTo(Math.round(limited * 5), 12);
    expect(() => armSeparability({ n: 3, y: y.subarray(0, 3), x: blind.x.subarray(0, 108) }, 1)).toThrow(/at least 4/);
  });

  it('rejects impossible sizes', async () => {
    await expect(transferTable({ realTrain: train, realTest: test, pooledSize: 100, subsetSize: 200 })).rejects.toThrow(/exceeds pooledSize/);
    await expect(transferTable({ realTrain: train, realTest: test, repeats: 0 })).rejects.toThrow(/repeats must be/);
  });

  it('scores every model on the large test set too: with the holdout as the large set, the same numbers', async () => {
    const options = { realTrain: train, realTest: test, pooledSize: 300, subsetSize: 100, repeats: 2, seed: 3, classifiers: ['forest', 'logistic', 'svm', 'knn'] as const };
    const copy = { sampleEpoch: (_e: number, n: number) => selectPatients(train, Array.from({ length: n }, (_, i) => i)), epochs: [1] };
    const both = await transferTable({ ...options, largeTest: test, nonPrivate: copy });
    expect(both.settings.nLargeTest).toBe(test.n);
    for (const c of both.cells) expect(c.large).toEqual({ pooled: c.pooled, repeats: c.repeats, mean: c.mean, sd: c.sd });
    expect(transferTableText(both, 'large').startsWith(`Accuracy on ${test.n} patients of the large test cohort.`)).toBe(true);
    // Another large set: other numbers, from the same models (held-out numbers unchanged).
    const other = await transferTable({ ...options, largeTest: simulatedSplit(1100, 480, 9).test, nonPrivate: copy });
    for (const [a, b] of other.cells.map((c, i) => [c, both.cells[i]] as const)) {
      expect([a.pooled, a.repeats]).toEqual([b.pooled, b.repeats]);
      expect(a.large).not.toEqual(b.large);
    }
    // What the pooled models learned, per feature: forest, logistic and SVM; kNN has no weights.
    expect(Object.keys(both.weights)).toEqual(['real', 'nonPrivate']);
    for (const source of ['real', 'nonPrivate'] as const) {
      expect(Object.keys(both.weights[source]!).sort()).toEqual(['forest', 'logistic', 'svm']);
      for (const w of Object.values(both.weights[source]!)) expect(w).toHaveLength(36);
    }
  }, 60_000);
});

describe('cachedTransferTable', () => {
  const { train, test } = simulatedSplit(700, 300);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sprint-transfer-cache-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  /** A "generator" whose patients are the real ones with a few labels flipped (`flip`), counting its calls. */
  const source = (flip: number, calls: number[]) => ({
    sampleEpoch: (epoch: number, n: number) => {
      calls.push(n);
      return flipLabels(selectPatients(train, Array.from({ length: n }, (_, i) => i % train.n)), flip, epoch);
    },
    epochs: [2, 4],
  });
  const settings = { realTrain: train, realTest: test, largeTest: test, pooledSize: 200, subsetSize: 100, repeats: 2, seed: 1 };

  it('computes once, then reads the saved table while the fingerprint holds', async () => {
    const file = path.join(dir, 'transfer.json');
    const calls: number[] = [];
    const first = await cachedTransferTable(file, { ...settings, private: source(0.1, calls) });
    expect(calls.filter((n) => n > 8)).toHaveLength(2); // the two epochs' shares of the pool
    const again: number[] = [];
    const second = await cachedTransferTable(file, { ...settings, private: source(0.1, again) });
    expect(again).toEqual([8, 8]); // only the probe of each chosen epoch
    expect(second).toEqual(first);
    expect(second.fidelity.private!.report.realCorrelation).toBeInstanceOf(Float64Array);
  }, 60_000);

  it('recomputes when the sampler, the epochs, the settings or a test set change, or the file is unreadable', async () => {
    const file = path.join(dir, 'changes.json');
    const base = { ...settings, private: source(0.1, []) };
    const fp = await transferFingerprint(base);
    expect(await transferFingerprint({ ...settings, private: source(0.1, []) })).toBe(fp);
    expect(await transferFingerprint({ ...settings, private: source(0.3, []) })).not.toBe(fp);
    expect(await transferFingerprint({ ...settings, private: { ...source(0.1, []), epochs: [2, 5] } })).not.toBe(fp);
    expect(await transferFingerprint({ ...base, repeats: 3 })).not.toBe(fp);
    expect(await transferFingerprint({ ...base, largeTest: null })).not.toBe(fp);
    expect(await transferFingerprint({ ...base, realTest: selectPatients(test, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) })).not.toBe(fp);
    await cachedTransferTable(file, base);
    fs.writeFileSync(file, '{ torn');
    const calls: number[] = [];
    await cachedTransferTable(file, { ...settings, private: source(0.1, calls) });
    expect(calls.filter((n) => n > 8)).toHaveLength(2);
    expect(parseTransferTable(fs.readFileSync(file, 'utf8')).fingerprint).toBe(fp);
  }, 60_000);

  it('keeps typed arrays through the file', () => {
    const table = { cells: [], fidelity: { private: { report: { realCorrelation: Float64Array.from([1, 0.25, -1 / 3]) } } } } as unknown as TransferTable;
    const back = parseTransferTable(serializeTransferTable(table, 'x'));
    expect(back.fingerprint).toBe('x');
    expect(back.table).toEqual(table);
    expect(back.table.fidelity.private!.report.realCorrelation).toBeInstanceOf(Float64Array);
  });
});
