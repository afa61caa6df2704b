/**
 * The committed privacy–utility grid (docs/privacy-utility.json, drawn by
 * 06_privacy) still matches the code: the cheap part of it, the DP
 * Gaussian's and the Markov-Gaussian's points at ε = 1.6 (three seeds each),
 * is recomputed and must give the same numbers. The AC-GAN's points take
 * hours and are not recomputed here.
 */
import { describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { readUtilityCurve, UTILITY_CLASSIFIERS } from '../lib/eval/utility-curve';
import { measureGenerator, utilitySets } from '../bench/utility';
import { generatorByName } from '../bench/utility/generators';

const FILE = path.join(__dirname, '..', 'docs', 'privacy-utility.json');

describe('the committed privacy–utility grid', () => {
  const curve = readUtilityCurve(FILE);

  it('covers the three generators at every budget of the issue, with the real ceiling', () => {
    const budgetsOf = (generator: string) => curve.rows.filter((r) => r.generator === generator).map((r) => (r.epsilon === null ? null : Number(r.epsilon.toPrecision(3))));
    const all = [0.25, 0.5, 1, 1.6, 3, 8, null];
    for (const generator of ['dp-gaussian', 'markov', 'acgan']) expect(budgetsOf(generator).sort(), generator).toEqual([...all].sort());
    expect(curve.command).toContain('--generators acgan');
    expect(curve.rows.filter((r) => r.generator === 'real')).toHaveLength(1);
    for (const r of curve.rows) expect(r.seeds, `${r.generator} ${r.epsilon}`).toEqual([0, 1, 2]);
  });

  it('ranks as docs/private-utility.md says at ε = 1.6: the Markov-Gaussian above the DP Gaussian and the AC-GAN in forest and logistic, below the real ceiling', () => {
    const at = (g: string) => curve.rows.find((r) => r.generator === g && (g === 'real' || Math.abs((r.epsilon ?? 0) - 1.6) < 0.01))!;
    for (const c of ['forest', 'logistic'] as const) {
      expect(at('markov')[c]).toBeGreaterThan(at('dp-gaussian')[c]);
      expect(at('markov')[c]).toBeGreaterThan(at('acgan')[c]);
      expect(at('real')[c]).toBeGreaterThan(at('markov')[c]);
    }
  });

  it('recomputes the DP Gaussian and the Markov-Gaussian at ε = 1.6 to the same numbers', async () => {
    const sets = utilitySets();
    for (const name of ['dp-gaussian', 'markov']) {
      const stored = curve.rows.find((r) => r.generator === name && r.epsilon !== null && Math.abs(r.epsilon - 1.6) < 0.01);
      expect(stored, `${name} at 1.6 in ${FILE}`).toBeDefined();
      const row = await measureGenerator(generatorByName(name)!, sets, 1.6, stored!.seeds, 6000, () => undefined);
      expect(row.epsilon).toBeCloseTo(stored!.epsilon as number, 10);
      for (const c of UTILITY_CLASSIFIERS) {
        expect(row[c], `${name} ${c}`).toBeCloseTo(stored![c], 10);
        expect(row[`${c}_sd`], `${name} ${c} sd`).toBeCloseTo(stored![`${c}_sd`], 10);
      }
    }
  }, 600_000);
});
