/**
 * The privacy–utility curve's result file: accuracy on the large test set of
 * classifiers trained on each generator's patients, at each ε, as the
 * utility benchmark measured it (bench/utility.ts --json, one row per
 * generator and ε: the mean and sd over seeds). Training the AC-GAN at seven
 * budgets on three seeds takes hours on two cores, so the grid is computed
 * once and committed with the command that made it (docs/privacy-utility.json);
 * 06_privacy draws it, and a test recomputes a cheap part of it to check
 * that it still matches the code.
 *
 * File: { "command": string, "measured": string, "delta": number,
 *         "rows": [{ "generator": string, "epsilon": number | null,
 *                    "seeds": number[], "forest": number, "forest_sd": number,
 *                    ... for logistic, knn, svm }] }
 * The row of generator "real" (classifiers trained on the real patients) is
 * the ceiling; epsilon null is the non-private model (ε = ∞).
 */
import * as fs from 'node:fs';

export const UTILITY_CLASSIFIERS = ['forest', 'logistic', 'knn', 'svm'] as const;
export type UtilityClassifier = (typeof UTILITY_CLASSIFIERS)[number];

/** One row of the file. */
export interface UtilityCurveRow {
  generator: string;
  epsilon: number | null;
  seeds: number[];
  forest: number;
  forest_sd: number;
  logistic: number;
  logistic_sd: number;
  knn: number;
  knn_sd: number;
  svm: number;
  svm_sd: number;
}

export interface UtilityCurve {
  /** The command that computed the rows. */
  command: string;
  /** When and at which commit. */
  measured: string;
  delta: number;
  rows: UtilityCurveRow[];
}

/** A generator at one ε, as lib/plots' privacyUtilityCurve draws it. */
export interface UtilityCurvePoint {
  generator: string;
  /** The release's ε rounded to 3 significant digits (the budget asked for), null for ∞. */
  epsilon: number | null;
  accuracy: Record<UtilityClassifier, { mean: number; sd: number }>;
}

/** Reads and checks the file; errors name the file, the row and what is wrong. */
export function readUtilityCurve(file: string): UtilityCurve {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not a readable JSON file (${(err as Error).message}); regenerate it with the command in docs/private-utility.md`);
  }
  const d = doc as Partial<UtilityCurve>;
  if (typeof d.command !== 'string' || typeof d.delta !== 'number' || !Array.isArray(d.rows)) {
    throw new Error(`${file}: expected { command, measured, delta, rows: [...] }`);
  }
  d.rows.forEach((r, i) => {
    const where = `${file}, row ${i + 1}`;
    if (typeof r?.generator !== 'string') throw new Error(`${where}: "generator" must be a name`);
    if (!(r.epsilon === null || (typeof r.epsilon === 'number' && r.epsilon > 0))) throw new Error(`${where} (${r.generator}): "epsilon" must be a positive number or null (no privacy), got ${JSON.stringify(r.epsilon)}`);
    for (const c of UTILITY_CLASSIFIERS) {
      for (const key of [c, `${c}_sd`] as const) {
        const v = (r as unknown as Record<string, unknown>)[key];
        if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`${where} (${r.generator}): "${key}" must be a number in [0, 1], got ${JSON.stringify(v)}`);
      }
    }
  });
  return d as UtilityCurve;
}

/** The points to draw (every generator but "real"), and the real-trained accuracies (the ceiling). */
export function utilityCurvePoints(curve: UtilityCurve, labels: Readonly<Record<string, string>> = {}): { points: UtilityCurvePoint[]; real: Record<UtilityClassifier, number> | null } {
  const accuracy = (r: UtilityCurveRow) =>
    Object.fromEntries(UTILITY_CLASSIFIERS.map((c) => [c, { mean: r[c], sd: r[`${c}_sd`] }])) as UtilityCurvePoint['accuracy'];
  const points = curve.rows
    .filter((r) => r.generator !== 'real')
    .map((r) => ({ generator: labels[r.generator] ?? r.generator, epsilon: r.epsilon === null ? null : Number(r.epsilon.toPrecision(3)), accuracy: accuracy(r) }));
  const realRow = curve.rows.find((r) => r.generator === 'real');
  const real = realRow ? (Object.fromEntries(UTILITY_CLASSIFIERS.map((c) => [c, realRow[c]])) as Record<UtilityClassifier, number>) : null;
  return { points, real };
}
