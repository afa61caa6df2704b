import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Cohort } from '../../lib/data/cohort';
import { parseSprint } from '../../lib/data/load';
import { preprocess, selectPatients } from '../../lib/data/preprocess';
import { simulateSprint } from '../../lib/data/simulate';
import { splitCohort } from '../../lib/data/split';
import { Random } from '../../lib/random';

const cache = new Map<string, Cohort>();

/** A SPRINT-shaped cohort from the simulator (seeded, ~70% of participants kept); cached per (participants, seed). */
export function simulatedCohort(participants: number, seed = 3): Cohort {
  const key = `${participants}:${seed}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const r = simulateSprint({ seed, participants });
  const cohort = preprocess(parseSprint('baseline.csv', Buffer.from(r.baselineCsv), 'bp.csv', Buffer.from(r.bpCsv)));
  cache.set(key, cohort);
  return cohort;
}

/** The simulated cohort split into the first `trainSize` patients and the rest. */
export function simulatedSplit(participants: number, trainSize: number, seed = 3): { train: Cohort; test: Cohort } {
  return splitCohort(simulatedCohort(participants, seed), { trainSize });
}

/** `c` with each label flipped with probability `fraction` (seeded). */
export function flipLabels(c: Cohort, fraction: number, seed: number): Cohort {
  const rng = new Random(seed);
  const y = Uint8Array.from(c.y, (v) => (rng.uniform() < fraction ? 1 - v : v));
  return { ...c, y };
}

/** The first n patients of c. */
export function head(c: Cohort, n: number): Cohort {
  return selectPatients(c, Array.from({ length: n }, (_, i) => i));
}

export function tempDir(prefix = 'sprint-eval-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
