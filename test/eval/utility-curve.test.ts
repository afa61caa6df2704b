/**
 * The privacy–utility curve's result file: read and checked with errors
 * that name the file and the row, turned into the points 06 draws.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readUtilityCurve, utilityCurvePoints } from '../../lib/eval/utility-curve';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sprint-curve-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const row = (generator: string, epsilon: number | null, m: number) => ({
  generator, epsilon, seeds: [0, 1, 2],
  forest: m, forest_sd: 0.01, logistic: m + 0.01, logistic_sd: 0.02, knn: m - 0.1, knn_sd: 0.003, svm: m, svm_sd: 0,
});
const write = (name: string, doc: unknown) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return f;
};

describe('utility curve file', () => {
  it('reads the rows and draws every generator but the real one, ε at the budget asked for', () => {
    const f = write('ok.json', { command: 'x', measured: 'y', delta: 1e-5, rows: [row('real', null, 0.92), row('markov', 1.59992, 0.9), row('markov', null, 0.91), row('acgan', 0.249987, 0.6)] });
    const { points, real } = utilityCurvePoints(readUtilityCurve(f), { markov: 'Markov-Gaussian' });
    expect(real).toEqual({ forest: 0.92, logistic: 0.93, knn: 0.92 - 0.1, svm: 0.92 });
    expect(points.map((p) => [p.generator, p.epsilon])).toEqual([['Markov-Gaussian', 1.6], ['Markov-Gaussian', null], ['acgan', 0.25]]);
    expect(points[0].accuracy.logistic).toEqual({ mean: 0.91, sd: 0.02 });
  });

  it('names the file and the row of what is wrong', () => {
    expect(() => readUtilityCurve(write('torn.json', '{ "rows": ['))).toThrow(/torn\.json: not a readable JSON file/);
    expect(() => readUtilityCurve(write('shape.json', { rows: [] }))).toThrow(/shape\.json: expected \{ command, measured, delta, rows/);
    const bad = { ...row('markov', 1.6, 0.9), knn: 1.5 };
    expect(() => readUtilityCurve(write('range.json', { command: 'x', measured: 'y', delta: 1e-5, rows: [row('real', null, 0.9), bad] }))).toThrow(/range\.json, row 2 \(markov\): "knn" must be a number in \[0, 1\], got 1\.5/);
    expect(() => readUtilityCurve(write('eps.json', { command: 'x', measured: 'y', delta: 1e-5, rows: [row('markov', -1, 0.9)] }))).toThrow(/row 1 \(markov\): "epsilon" must be a positive number or null/);
  });
});
