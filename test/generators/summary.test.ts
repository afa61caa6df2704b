/**
 * singleReleaseSummary: the RunSummary of a single-release run folder (the
 * Gaussian and the Markov-Gaussian) from its run.json, checkpoint and cost.
 */
import { describe, expect, it } from 'vitest';
import { assertSameRelease, singleReleaseSummary } from '../../lib/generators/family';
import type { RunCheckpoint } from '../../lib/generators/folder';
import type { LedgerEntry } from '../../lib/privacy/ledger';

const run = { data: { nTrain: 6000, kind: 'embedded' as const }, config: { delta: 1e-5, seed: 3 } };
const checkpoint: RunCheckpoint = { epoch: 1, steps: 1, finished: true, stopReason: 'completed', message: null };

describe('singleReleaseSummary', () => {
  it('composes the cost into epsilon at the run delta (two pure-DP releases of 0.5 and 0.25 sum to 0.75)', () => {
    const cost: LedgerEntry[] = [
      { kind: 'pure-dp', name: 'means', epsilon: 0.5, count: 1 },
      { kind: 'pure-dp', name: 'covariance', epsilon: 0.25, count: 1 },
    ];
    const s = singleReleaseSummary('/runs/g', 'gaussian', run, checkpoint, cost);
    expect(s.epsilon).toBeCloseTo(0.75, 12);
    expect(s).toMatchObject({ dir: '/runs/g', generator: 'gaussian', nTrain: 6000, epoch: 1, steps: 1, finished: true, private: true, delta: 1e-5, dataKind: 'embedded', notCovered: [] });
    expect(s.cost).toEqual(cost);
    expect(s.settings).toEqual({ delta: 1e-5, seed: 3 });
    expect(s.settings).not.toBe(run.config); // a copy: the caller may display or change it
  });

  it('is not private, with epsilon null, when nothing was spent; a missing data kind reads as null', () => {
    const s = singleReleaseSummary('/runs/m', 'markov', { data: { nTrain: 10 }, config: { delta: 1e-6 } }, { ...checkpoint, finished: false, stopReason: null }, []);
    expect(s).toMatchObject({ private: false, epsilon: null, dataKind: null, finished: false, delta: 1e-6, generator: 'markov' });
  });
});

describe('assertSameRelease', () => {
  const made = { config: { delta: 1e-5, seed: 3 }, data: { nTrain: 6000, source: null } };
  it('accepts the same settings and data', () => {
    expect(() => assertSameRelease('/runs/g', made, { config: { delta: 1e-5, seed: 3 }, data: { nTrain: 6000, source: null } })).not.toThrow();
  });
  it('refuses other settings, another training size or another source, naming the folder', () => {
    const refused = /Cannot resume \/runs\/g: its release has other settings or data; use force to release anew\./;
    expect(() => assertSameRelease('/runs/g', made, { config: { delta: 1e-5, seed: 4 }, data: made.data })).toThrow(refused);
    expect(() => assertSameRelease('/runs/g', made, { config: made.config, data: { nTrain: 5999, source: null } })).toThrow(refused);
    expect(() => assertSameRelease('/runs/g', made, { config: made.config, data: { nTrain: 6000, source: '/data/sprint' } })).toThrow(refused);
  });
});
