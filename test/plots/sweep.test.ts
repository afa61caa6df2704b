/**
 * privacyUtility (lib/plots/sweep.ts): per classifier, each setting at its
 * seeds' mean accuracy with a lowest-to-highest bar, every run as a faint
 * dot, sorted by ε; non-private runs counted, not drawn; bad input refused.
 */
import { describe, expect, it } from 'vitest';
import { PlotError, privacyUtility, type PrivacyUtilityRun } from '../../lib/plots';

const runs: PrivacyUtilityRun[] = [
  { setting: 'noise-1.5', epsilon: 1, accuracy: { forest: 0.6, logistic: 0.7 } },
  { setting: 'noise-1.5', epsilon: 1, accuracy: { forest: 0.8, logistic: 0.9 } },
  { setting: 'noise-0.8', epsilon: 4, accuracy: { forest: 0.9, logistic: null } },
  { setting: 'noise-0.8', epsilon: 4, accuracy: { forest: 0.7 } },
  { setting: 'noise-0.8', epsilon: 4, accuracy: { forest: 0.8 } },
  { setting: 'noise-0', epsilon: null, accuracy: { forest: 0.95, logistic: 0.95 } },
];

describe('privacyUtility', () => {
  it('draws each setting at the mean over seeds with the range as an asymmetric bar, by ε', () => {
    const fig = privacyUtility(runs);
    expect(fig.data.map((t) => t.name)).toEqual(['Random forest', 'Random forest, each seed', 'Logistic regression', 'Logistic regression, each seed']);
    const [forest, forestRuns, logistic] = fig.data;
    expect(forest.x).toEqual([1, 4]);
    expect(forest.y?.[0]).toBeCloseTo(0.7, 12);
    expect(forest.y?.[1]).toBeCloseTo(0.8, 12);
    const bar = forest.error_y as { array: number[]; arrayminus: number[] };
    expect(bar.array[0]).toBeCloseTo(0.1, 12);
    expect(bar.arrayminus[0]).toBeCloseTo(0.1, 12);
    expect(bar.array[1]).toBeCloseTo(0.1, 12);
    expect(forest.text).toEqual(['noise-1.5 (2 seeds)', 'noise-0.8 (3 seeds)']);
    expect(forestRuns.x).toEqual([1, 1, 4, 4, 4]);
    expect(forestRuns.y).toEqual([0.6, 0.8, 0.9, 0.7, 0.8]);
    // logistic: the null and the missing accuracy are skipped, one setting left.
    expect(logistic.x).toEqual([1]);
    expect(logistic.y?.[0]).toBeCloseTo(0.8, 12);
    expect(fig.layout.annotations?.[0].text).toBe('1 non-private run (ε = ∞) not drawn');
    expect(JSON.parse(JSON.stringify(fig))).toEqual(fig);
  });

  it('takes the classifiers to draw, and a log ε axis', () => {
    const fig = privacyUtility(runs, { classifiers: ['logistic'], logX: true, title: 'T' });
    expect(fig.data.map((t) => t.legendgroup)).toEqual(['logistic', 'logistic']);
    expect(fig.layout.xaxis?.type).toBe('log');
    expect(fig.layout.title?.text).toBe('T');
  });

  it('refuses what it cannot draw', () => {
    expect(() => privacyUtility([])).toThrow(PlotError);
    expect(() => privacyUtility([runs[5]])).toThrow(/no private run has an accuracy/);
    expect(() => privacyUtility([{ setting: 's', epsilon: Number.NaN, accuracy: { forest: 1 } }])).toThrow(/setting 's' has ε NaN/);
  });
});
