/**
 * Where the data comes from: the real SPRINT files when the user points at
 * them (argument, or the SPRINT_DATA_DIR environment variable), otherwise the
 * embedded synthetic cohort, generated on first use into the git-ignored
 * folder `<repo>/data/embedded` with a fixed seed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { BASELINE_FILE, BP_FILE } from './format';
import { DEFAULT_SEED, SIMULATION_PARAMETERS, SPRINT_PARTICIPANTS, SimulatedRelease, simulateSprint } from './simulate';
import { repoRoot, writeFileAtomic } from '../fs';

/** Bump when the simulator's code changes its output, so stale embedded files are regenerated. */
export const GENERATOR_VERSION = 2;

/**
 * A hash of the simulator's parameter table, stored in the stamp: recalibrating
 * a parameter regenerates the embedded files without anyone remembering to
 * bump {@link GENERATOR_VERSION}.
 */
export const PARAMETERS_FINGERPRINT = createHash('sha256').update(JSON.stringify(SIMULATION_PARAMETERS)).digest('hex').slice(0, 16);

/** Name of the stamp file that marks a folder as written by the simulator. */
export const STAMP_FILE = 'synthetic.json';

export interface SyntheticStamp {
  generator: 'sprint-gan-ts simulateSprint';
  version: number;
  /** {@link PARAMETERS_FINGERPRINT} of the simulator that wrote the files. */
  parameters: string;
  seed: number;
  participants: number;
  note: string;
}

/** Default folder of the embedded cohort: `<repo>/data/embedded` (git-ignored). */
export function defaultEmbeddedDir(): string {
  return path.join(repoRoot(), 'data', 'embedded');
}

function readStamp(dir: string): SyntheticStamp | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, STAMP_FILE), 'utf8')) as SyntheticStamp;
  } catch {
    return undefined;
  }
}

/** True when `dir` holds a baseline.csv or bp.csv that the simulator did not write (the user's data). */
export function holdsUserData(dir: string): boolean {
  const hasCsv = fs.existsSync(path.join(dir, BASELINE_FILE)) || fs.existsSync(path.join(dir, BP_FILE));
  return hasCsv && readStamp(dir) === undefined;
}

/**
 * Writes a simulated release (baseline.csv, bp.csv and the stamp file) into
 * `dir`, each file atomically. Refuses to replace CSV files it did not write.
 */
export function writeSyntheticRelease(dir: string, release: SimulatedRelease, stamp: { seed: number; participants: number }): void {
  if (holdsUserData(dir)) {
    throw new Error(
      `${dir} already holds ${BASELINE_FILE}/${BP_FILE} that were not written by the simulator; ` +
        'refusing to overwrite them. Choose another folder.',
    );
  }
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, BASELINE_FILE), release.baselineCsv);
  writeFileAtomic(path.join(dir, BP_FILE), release.bpCsv);
  const doc: SyntheticStamp = {
    generator: 'sprint-gan-ts simulateSprint',
    version: GENERATOR_VERSION,
    parameters: PARAMETERS_FINGERPRINT,
    seed: stamp.seed,
    participants: stamp.participants,
    note: 'Synthetic SPRINT-shaped data, not real patients. Regenerate with `sprint-gan synth`.',
  };
  writeFileAtomic(path.join(dir, STAMP_FILE), JSON.stringify(doc, null, 2) + '\n');
}

/**
 * Makes sure `dir` holds the simulated release of `seed` and `participants`
 * (by the current simulator), generating it when absent or stale; returns the
 * folder. Refuses to replace files the simulator did not write.
 */
export function ensureSimulatedRelease(dir: string, seed: number, participants: number): string {
  const stamp = readStamp(dir);
  const complete = fs.existsSync(path.join(dir, BASELINE_FILE)) && fs.existsSync(path.join(dir, BP_FILE));
  if (
    complete &&
    stamp &&
    stamp.version === GENERATOR_VERSION &&
    stamp.parameters === PARAMETERS_FINGERPRINT &&
    stamp.seed === seed &&
    stamp.participants === participants
  ) {
    return dir;
  }
  writeSyntheticRelease(dir, simulateSprint({ seed, participants }), { seed, participants });
  return dir;
}

/**
 * Makes sure the embedded cohort (seed {@link DEFAULT_SEED}, 9361
 * participants) exists in `dir` (default `<repo>/data/embedded`), generating
 * it when absent or written by an older simulator; returns the folder.
 */
export function ensureEmbeddedData(dir: string = defaultEmbeddedDir()): string {
  return ensureSimulatedRelease(dir, DEFAULT_SEED, SPRINT_PARTICIPANTS);
}

/**
 * The large test cohort: a second draw from the simulator (another seed,
 * 32,000 participants, about 22,000 of them with all 12 visits) that no model
 * ever trains on. With the 483 held-out patients of the paper's split an
 * accuracy near 0.9 has a sampling sd of about 0.014, so differences of a few
 * points are noise; on 22,000 patients the sd is about 0.002. It exists only
 * because the default data is simulated: with the real release there is no
 * second cohort to draw.
 */
export const LARGE_TEST_SEED = 2016;
export const LARGE_TEST_PARTICIPANTS = 32_000;

/** Default folder of the large test cohort: `<repo>/data/large-test` (git-ignored). */
export function defaultLargeTestDir(): string {
  return path.join(repoRoot(), 'data', 'large-test');
}

/** Makes sure the large test release exists in `dir` (generated once, about 2 s, then cached); returns the folder. */
export function ensureLargeTestData(dir: string = defaultLargeTestDir()): string {
  return ensureSimulatedRelease(dir, LARGE_TEST_SEED, LARGE_TEST_PARTICIPANTS);
}

export interface DataSource {
  /** 'real' when the user named a folder, 'embedded' for the synthetic default. */
  kind: 'embedded' | 'real';
  dir: string;
}

/**
 * Picks the data folder: `opts.dataDir` if given (non-empty), else the
 * SPRINT_DATA_DIR environment variable, else the embedded cohort (generated
 * on first use). A named folder is used as it is; the loader reports what is
 * wrong with it.
 */
export function resolveDataSource(opts: { dataDir?: string; env?: NodeJS.ProcessEnv } = {}): DataSource {
  const env = opts.env ?? process.env;
  const named = opts.dataDir && opts.dataDir.trim() !== '' ? opts.dataDir : env.SPRINT_DATA_DIR;
  if (named && named.trim() !== '') {
    const dir = path.resolve(named);
    return { kind: readStamp(dir) ? 'embedded' : 'real', dir };
  }
  return { kind: 'embedded', dir: ensureEmbeddedData() };
}

/** Whether a folder was written by the simulator (has the stamp file). */
export function isSyntheticDir(dir: string): boolean {
  return readStamp(dir) !== undefined;
}
