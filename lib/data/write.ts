/**
 * Writes a cohort (e.g. synthetic patients) as a SPRINT-format folder that
 * ./load.ts reads back like the real release: the inverse of loading and
 * preprocessing, for the 12 study visits.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { Cohort } from './cohort';
import { MEASURES, VISITS } from './cohort';
import { writeFileAtomic } from '../fs';

/** Accepted ranges of the SPRINT loader (lib/data/format.ts BP_RANGES). */
const RANGES: [number, number][] = [
  [50, 300],
  [20, 200],
  [0, 10],
];

/**
 * Writes a cohort as a SPRINT-format folder: `baseline.csv` (MASKID,
 * INTENSIVE) and `bp.csv` (MASKID, VISITCODE, SBP, DBP, N_BPCLASSES; the 12
 * visits), values mapped back to raw units via the cohort's maxima. SBP and DBP
 * keep two decimals; N_BPCLASSES (a count) is rounded. Values are clamped to
 * the loader's plausible ranges (SBP 50-300, DBP 20-200 mmHg, 0-10 classes).
 * Files are written atomically. Returns the paths.
 */
export function writeSprintCsv(dir: string, c: Cohort): { baseline: string; bp: string } {
  const nv = VISITS.length;
  const nm = MEASURES.length;
  const baseline = ['MASKID,INTENSIVE'];
  const bp = ['MASKID,VISITCODE,SBP,DBP,N_BPCLASSES'];
  for (let i = 0; i < c.n; i++) {
    const id = c.maskIds[i];
    baseline.push(`${id},${c.y[i]}`);
    for (let v = 0; v < nv; v++) {
      const cells: string[] = [];
      for (let m = 0; m < nm; m++) {
        let raw = c.x[i * nm * nv + m * nv + v] * c.maxima[m];
        if (!Number.isFinite(raw)) raw = RANGES[m][0];
        raw = Math.min(RANGES[m][1], Math.max(RANGES[m][0], raw));
        cells.push(m === 2 ? String(Math.round(raw)) : raw.toFixed(2));
      }
      bp.push(`${id},${VISITS[v]},${cells.join(',')}`);
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  const files = { baseline: path.join(dir, 'baseline.csv'), bp: path.join(dir, 'bp.csv') };
  writeFileAtomic(files.baseline, baseline.join('\n') + '\n');
  writeFileAtomic(files.bp, bp.join('\n') + '\n');
  return files;
}
