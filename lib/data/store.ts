/**
 * On-disk format of a cohort (written by 01_preprocess and `sprint-gan
 * preprocess`, read by the next notebooks).
 *
 * One UTF-8 JSON file:
 * ```json
 * {
 *   "format": "sprint-gan-cohort",
 *   "version": 1,
 *   "n": 6502,
 *   "measures": ["SBP", "DBP", "N_BPCLASSES"],
 *   "visits": ["RZ", "1M", ..., "27M"],
 *   "layout": "x[i*36 + m*12 + v] = value / maxima[m]",
 *   "maxima": [233, 137, 7],
 *   "maskIds": ["S00007", ...],
 *   "y": [0, 1, ...],
 *   "x": "<base64 of n*36 float32, little-endian>",
 *   "meta": { ... optional free-form provenance ... }
 * }
 * ```
 * `x` is stored as raw float32 bytes so the values round-trip exactly. The
 * write is atomic (a temporary file in the same folder, then a rename), so an
 * interrupted run never leaves a half-written cohort.
 */
import * as fs from 'node:fs';
import { Cohort, MEASURES, N_FEATURES, VISITS } from './cohort';
import { SprintDataError } from './errors';
import { writeFileAtomic } from '../fs';

export const COHORT_FORMAT = 'sprint-gan-cohort';
export const COHORT_FORMAT_VERSION = 1;

export interface CohortFile {
  format: typeof COHORT_FORMAT;
  version: number;
  n: number;
  measures: string[];
  visits: string[];
  layout: string;
  maxima: [number, number, number];
  maskIds: string[];
  y: number[];
  x: string;
  meta?: Record<string, unknown>;
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

function float32ToBase64(x: Float32Array): string {
  if (!isLittleEndian()) throw new Error('saveCohort: big-endian hosts are not supported');
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64');
}

function base64ToFloat32(s: string): Float32Array {
  const bytes = Buffer.from(s, 'base64');
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4));
  return out;
}

/** The cohort as the JSON text of the on-disk format. */
export function serializeCohort(c: Cohort, meta?: Record<string, unknown>): string {
  const doc: CohortFile = {
    format: COHORT_FORMAT,
    version: COHORT_FORMAT_VERSION,
    n: c.n,
    measures: [...MEASURES],
    visits: [...VISITS],
    layout: 'x[i*36 + m*12 + v] = value / maxima[m]',
    maxima: [c.maxima[0], c.maxima[1], c.maxima[2]],
    maskIds: c.maskIds,
    y: Array.from(c.y),
    x: float32ToBase64(c.x),
  };
  if (meta) doc.meta = meta;
  return JSON.stringify(doc) + '\n';
}

/** Saves a cohort (atomic write; parent folders created). */
export function saveCohort(c: Cohort, file: string, meta?: Record<string, unknown>): void {
  writeFileAtomic(file, serializeCohort(c, meta));
}

function invalid(file: string, problem: string): SprintDataError {
  return new SprintDataError(problem, {
    code: 'bad-cohort-file',
    file,
    expected: `a ${COHORT_FORMAT} file version ${COHORT_FORMAT_VERSION} (written by saveCohort)`,
    hint: 'Recreate it with the 01_preprocess notebook or `sprint-gan preprocess --out FILE`.',
  });
}

/** Parses the JSON text of the on-disk format, checking every field. */
export function parseCohort(text: string, file = '<cohort>'): Cohort {
  let doc: CohortFile;
  try {
    doc = JSON.parse(text) as CohortFile;
  } catch (err) {
    throw invalid(file, `the file is not JSON (${(err as Error).message})`);
  }
  if (!doc || doc.format !== COHORT_FORMAT) throw invalid(file, 'the file is not a cohort file');
  if (doc.version !== COHORT_FORMAT_VERSION) throw invalid(file, `unsupported cohort format version ${doc.version}`);
  const n = doc.n;
  if (!Number.isInteger(n) || n < 0) throw invalid(file, `bad patient count ${n}`);
  if (JSON.stringify(doc.measures) !== JSON.stringify(MEASURES) || JSON.stringify(doc.visits) !== JSON.stringify(VISITS)) {
    throw invalid(file, 'the measures or visits differ from this version of the library');
  }
  if (!Array.isArray(doc.maxima) || doc.maxima.length !== 3 || !doc.maxima.every((m) => typeof m === 'number' && m > 0)) {
    throw invalid(file, 'bad maxima');
  }
  if (!Array.isArray(doc.maskIds) || doc.maskIds.length !== n) throw invalid(file, 'maskIds does not have n entries');
  if (!Array.isArray(doc.y) || doc.y.length !== n || !doc.y.every((v) => v === 0 || v === 1)) {
    throw invalid(file, 'y must have n entries, each 0 or 1');
  }
  if (typeof doc.x !== 'string') throw invalid(file, 'x is missing');
  const x = base64ToFloat32(doc.x);
  if (x.length !== n * N_FEATURES) throw invalid(file, `x has ${x.length} values, expected ${n * N_FEATURES}`);
  return { n, x, y: Uint8Array.from(doc.y), maskIds: doc.maskIds.slice(), maxima: [doc.maxima[0], doc.maxima[1], doc.maxima[2]] };
}

/** Loads a cohort saved by {@link saveCohort}. */
export function loadCohort(file: string): Cohort {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SprintDataError(e.code === 'ENOENT' ? 'the cohort file does not exist' : `the cohort file cannot be read (${e.code})`, {
      code: 'missing-file',
      file,
      expected: 'a cohort file written by saveCohort',
      hint: 'Run the 01_preprocess notebook (or `sprint-gan preprocess --out FILE`) first.',
    });
  }
  return parseCohort(text, file);
}
