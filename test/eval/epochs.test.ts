import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../lib/compute/backend';
import {
  addSelection,
  chooseEpochs,
  readRun,
  readRunScores,
  releaseLedger,
  runLedger,
  scoreRun,
  selectionEpsilon,
  topEpochs,
  type EpochScore,
} from '../../lib/eval';
import { createGenerator, disposeParams, saveGenerator, TINY_ARCHITECTURE, epochDirName } from '../../lib/generators/acgan/index';
import { epsilonFor, PrivacyLedger } from '../../lib/privacy';
import { simulatedSplit, tempDir } from './cohorts';

const tmp = tempDir();
// The stock cpu backend this file always ran on, chosen the project's way (which also keeps tfjs's Node.js notice out of the log).
beforeAll(() => selectBackend({ backend: 'cpu', fastCpuKernels: false, log: null }));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A score table on 1000 test patients from correct counts per epoch (epochs numbered from 1). */
function table(forest: number[], logistic: number[]): EpochScore[] {
  return forest.map((f, i) => ({ epoch: i + 1, forest: f / 1000, logistic: logistic[i] / 1000, forestCorrect: f, logisticCorrect: logistic[i], nTest: 1000 }));
}

describe('chooseEpochs', () => {
  const scores = table([700, 750, 720, 800, 610, 790, 705], [690, 760, 770, 700, 600, 765, 680]);

  it('gives the non-private choices as epoch numbers', () => {
    const c = chooseEpochs(scores, { top: 3 });
    expect(c.nonPrivate).toEqual({ bestForest: 4, bestLogistic: 3, topForest: [4, 6, 2], topLogistic: [3, 6, 2], last: 7 });
    // Rows in any order give the same answer.
    expect(chooseEpochs([...scores].reverse(), { top: 3 }).nonPrivate).toEqual(c.nonPrivate);
    expect(topEpochs(scores, 4)).toEqual([4, 6, 2, 3]);
    expect(topEpochs(scores, 2, 'logistic')).toEqual([3, 6]);
    expect(topEpochs(scores, 10)).toHaveLength(7);
  });

  it('private: with a huge epsilon picks the top epochs; picks are capped at the epochs scored; cost = the mechanism formula', () => {
    const c = chooseEpochs(scores, { privatePicks: 3, epsilonPerPick: 1e6, seed: 2 });
    expect(c.private.picks).toEqual([4, 6, 2]);
    const byLogistic = chooseEpochs(scores, { privatePicks: 2, epsilonPerPick: 1e6, privateBy: 'logistic' });
    expect(byLogistic.private.picks).toEqual([3, 6]);
    const d = chooseEpochs(scores); // the original: 10 picks at 0.05, only 7 epochs here
    expect(d.private.requested).toBe(10);
    expect(d.private.picks).toHaveLength(7);
    expect(new Set(d.private.picks).size).toBe(7);
    expect(d.private.epsilon).toBeCloseTo(selectionEpsilon(7, 0.05), 15);
    expect(d.private.noiseScale).toBe(20);
    expect(d.private.noiseScaleAccuracy).toBeCloseTo(0.02, 15);
    expect(chooseEpochs(scores, { seed: 5 }).private.picks).toEqual(chooseEpochs(scores, { seed: 5 }).private.picks);
  });

  it('rejects empty tables and mixed test sets', () => {
    expect(() => chooseEpochs([])).toThrow(/no epoch scores/);
    expect(() => chooseEpochs([...scores, { ...scores[0], epoch: 9, nTest: 999 }])).toThrow(/same test set/);
  });
});

describe('the release budget goes through PrivacyLedger', () => {
  const training = { q: 1 / 6000, noiseMultiplier: 1.1, steps: 6000 * 20 };
  const delta = 1e-5;

  it('ledger total = training + selection cost formula (basic composition); the reported total is never larger', () => {
    const choice = chooseEpochs(table(Array.from({ length: 30 }, (_, i) => 600 + ((i * 13) % 29)), new Array(30).fill(650)), { seed: 3 });
    expect(choice.private.picks).toHaveLength(10);
    const ledger = releaseLedger([{ kind: 'dp-sgd', name: 'DP-SGD training', ...training }], choice.private);
    const r = ledger.report(delta);
    const epsTrain = epsilonFor({ ...training, delta });
    const epsSelect = selectionEpsilon(10, 0.05);
    expect(r.rows.map((row) => row.kind)).toEqual(['dp-sgd', 'pure-dp']);
    expect(r.rows[0].epsilonAlone).toBeCloseTo(epsTrain, 12);
    expect(r.rows[1].epsilonAlone).toBeCloseTo(epsSelect, 15);
    expect(r.basicComposition.epsilon).toBeCloseTo(epsTrain + epsSelect, 10);
    expect(r.epsilon).toBeLessThanOrEqual(epsTrain + epsSelect + 1e-12);
    expect(r.epsilon).toBeGreaterThan(epsTrain);
    // Text, HTML and JSON name the selection.
    expect(ledger.toText(delta)).toMatch(/epoch selection \(report-noisy-max on forest scores\)\s+pure-dp\s+epsilon=0\.05 x 10\s+0\.5/);
    expect(ledger.toHtml(delta)).toContain('<td>epoch selection (report-noisy-max on forest scores)</td>');
    const json = JSON.parse(JSON.stringify(ledger.toJSON(delta)));
    expect(json.entries[1]).toEqual({ kind: 'pure-dp', name: 'epoch selection (report-noisy-max on forest scores)', epsilon: 0.05, count: 10 });
    expect(json.report.epsilon).toBeCloseTo(r.epsilon, 12);
  });

  it('adds to an existing ledger, and a non-private release has only the selection', () => {
    const choice = chooseEpochs(table([700, 710, 720], [700, 700, 700]), { privatePicks: 2, epsilonPerPick: 0.1 });
    const ledger = new PrivacyLedger().addDpSgd('earlier run', training);
    addSelection(ledger, choice.private);
    expect(ledger.entries).toHaveLength(2);
    expect(releaseLedger([], choice.private).epsilon(delta)).toBeCloseTo(0.2, 12);
    expect(() => addSelection(new PrivacyLedger(), { ...choice.private, epsilon: 0.3 })).toThrow(/not 2 picks x 0.1/);
  });
});

describe('a run folder: scoreRun, readRun, runLedger', () => {
  it('scores the checkpoints into <run>/scores.json and reads the training cost from run.json / checkpoint.json', async () => {
    const run = path.join(tmp, 'run');
    const { train, test } = simulatedSplit(800, 500);
    const q = 1 / train.n;
    const steps = 2 * train.n;
    const config = { epochs: 2, mode: 'paper', batchSize: 1, stepsPerEpoch: train.n, noiseMultiplier: 1.2, clipNorm: 1e-4, delta: 1e-5, seed: 0 };
    const eps = (s: number): number => epsilonFor({ q, noiseMultiplier: 1.2, steps: s, delta: 1e-5 });
    fs.mkdirSync(run, { recursive: true });
    fs.writeFileSync(path.join(run, 'run.json'), JSON.stringify({ version: 1, config, data: { nTrain: train.n, nHoldout: test.n, maxima: train.maxima }, q }));
    fs.writeFileSync(path.join(run, 'checkpoint.json'), JSON.stringify({ epoch: 2, steps, finished: true, stopReason: 'completed', message: null }));
    fs.writeFileSync(path.join(run, 'history.json'), JSON.stringify([1, 2].map((e) => ({ epoch: e, steps: e * train.n, epsilon: eps(e * train.n), delta: 1e-5 }))));
    for (const epoch of [1, 2]) {
      const g = createGenerator(TINY_ARCHITECTURE, epoch);
      await saveGenerator(path.join(run, 'generator', epochDirName(epoch)), g, { architecture: TINY_ARCHITECTURE, epoch, maxima: train.maxima, seed: 0 });
      disposeParams(g);
    }

    const summary = readRun(run);
    expect(summary).toMatchObject({ generator: 'acgan', private: true, delta: 1e-5, nTrain: train.n, epoch: 2, steps, settings: { q, noiseMultiplier: 1.2 } });
    expect(summary.cost).toEqual([{ kind: 'dp-sgd', name: 'DP-SGD training (2 epochs)', q, noiseMultiplier: 1.2, steps }]);
    const lines: string[] = [];
    const scores = await scoreRun(run, { test, seed: 4, onProgress: (p) => lines.push(`${p.done}/${p.total}`) });
    expect(scores.map((s) => s.epoch)).toEqual([1, 2]);
    expect(lines).toEqual(['1/2', '2/2']);
    expect(readRunScores(run)).toEqual(scores);
    for (const s of scores) expect(s.nTest).toBe(test.n);

    const choice = chooseEpochs(scores, { privatePicks: 1 });
    const report = runLedger(summary, choice.private).report(summary.delta);
    // The ledger's training row is the epsilon history.json recorded for the last epoch.
    expect(report.rows[0].name).toBe('DP-SGD training (2 epochs)');
    expect(report.rows[0].epsilonAlone).toBeCloseTo(summary.epsilon as number, 12);
    expect(report.basicComposition.epsilon).toBeCloseTo((summary.epsilon as number) + 0.05, 10);
  });

  it('says what is missing in a folder that is not a run', () => {
    expect(() => readRun(tmp + '/nothing')).toThrow(/run\.json not found: the run settings/);
  });
});
