/**
 * The transfer table computed once and reused: 03_evaluate builds it (minutes
 * at the paper's sizes: 50,000 patients pooled per run, 10 repeats, four
 * classifiers, two test sets) and 05_paper_figures draws Figures 3 and 4 from
 * the same table instead of building it again.
 *
 * The table is saved as JSON next to the runs with a fingerprint of
 * everything it depends on, and reused only when the fingerprint matches:
 * - the settings (pool and subset sizes, repeats, classifiers, seed, rounding);
 * - the real training set and both test sets (lib/data's cohortFingerprint);
 * - for each synthetic source, its chosen epochs and what its sampler draws
 *   for them: a probe of a few patients per epoch with a fixed seed, so a
 *   retrained run, another generator, or a change in sampling gives another
 *   fingerprint whatever changed it;
 * - the code that computes the table: the source files of lib/eval.
 * Anything else recomputes and rewrites the file (atomically).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Cohort, cohortFingerprint } from '../data/cohort';
import { writeFileAtomic } from '../fs';
import { libFile } from '../host';
import { CLASSIFIER_NAMES } from './classifiers/index';
import { type SyntheticSource, type TransferOptions, type TransferTable, transferTable } from './transfer';

/** Bump when the file's layout changes. */
const CACHE_FORMAT = 1;

/** Patients the probe draws from each chosen epoch, and the seed it draws them with. */
const PROBE_PATIENTS = 8;
const PROBE_SEED = 7919;

let codeHash: string | null = null;

/** A hash of the source files of lib/eval (the code the table comes from), computed once per process. */
export function evalCodeFingerprint(): string {
  if (codeHash) return codeHash;
  const h = createHash('sha256');
  const evalDir = libFile('eval');
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      if (fs.statSync(file).isDirectory()) walk(file);
      else if (name.endsWith('.ts')) h.update(`${path.relative(evalDir, file)}\n`).update(fs.readFileSync(file));
    }
  };
  walk(evalDir);
  codeHash = h.digest('hex').slice(0, 16);
  return codeHash;
}

async function probe(source: SyntheticSource): Promise<string[]> {
  const out: string[] = [];
  for (const epoch of source.epochs) {
    const c = await source.sampleEpoch(epoch, PROBE_PATIENTS, PROBE_SEED);
    out.push(`${epoch}:${cohortFingerprint(c)}:${c.maxima.join('/')}`);
  }
  return out;
}

const cohortKey = (c: Cohort | null | undefined): string | null => (c ? `${cohortFingerprint(c)}:${c.maxima.join('/')}` : null);

/** The fingerprint of what a transfer table with these options would contain. */
export async function transferFingerprint(options: TransferOptions): Promise<string> {
  const key = {
    format: CACHE_FORMAT,
    code: evalCodeFingerprint(),
    settings: {
      pooledSize: options.pooledSize ?? 50_000,
      subsetSize: options.subsetSize ?? 5_000,
      repeats: options.repeats ?? 10,
      classifiers: [...(options.classifiers ?? CLASSIFIER_NAMES)],
      seed: options.seed ?? 0,
      rounding: options.rounding ?? 'truncate',
    },
    realTrain: cohortKey(options.realTrain),
    realTest: cohortKey(options.realTest),
    largeTest: cohortKey(options.largeTest),
    nonPrivate: options.nonPrivate ? { epochs: [...options.nonPrivate.epochs], probe: await probe(options.nonPrivate) } : null,
    private: options.private ? { epochs: [...options.private.epochs], probe: await probe(options.private) } : null,
  };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex');
}

/** JSON with typed arrays (the fidelity report's correlation matrices) kept as such. */
export function serializeTransferTable(table: TransferTable, fingerprint: string): string {
  return JSON.stringify({ fingerprint, table }, (_k, v: unknown) => (v instanceof Float64Array ? { float64: Array.from(v) } : v)) + '\n';
}

export function parseTransferTable(text: string): { fingerprint: string; table: TransferTable } {
  return JSON.parse(text, (_k, v: unknown) => {
    const f = v as { float64?: unknown } | null;
    return f && typeof f === 'object' && Array.isArray(f.float64) ? Float64Array.from(f.float64 as number[]) : v;
  }) as { fingerprint: string; table: TransferTable };
}

/** The saved table in `file` if its fingerprint is `fingerprint`; null otherwise (absent, stale or unreadable). */
function readCached(file: string, fingerprint: string): TransferTable | null {
  if (!fs.existsSync(file)) return null;
  try {
    const doc = parseTransferTable(fs.readFileSync(file, 'utf8'));
    return doc.fingerprint === fingerprint ? doc.table : null;
  } catch {
    return null;
  }
}

/**
 * {@link transferTable} of `options`, read from `file` when it holds the
 * table of the same fingerprint, else computed and saved there.
 */
export async function cachedTransferTable(file: string, options: TransferOptions): Promise<TransferTable> {
  const fingerprint = await transferFingerprint(options);
  const cached = readCached(file, fingerprint);
  if (cached) return cached;
  const table = await transferTable(options);
  writeFileAtomic(file, serializeTransferTable(table, fingerprint));
  return table;
}
