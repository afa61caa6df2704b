/**
 * The real-data guard of the runner.
 *
 * Notebooks run on the real SPRINT release (access-controlled patient data)
 * must not end up in the repository: stored outputs are committed, so
 * `--update` on real data would write patient-level numbers and figures into
 * notebooks/. The runner therefore refuses `--update` when the data source is
 * real, unless the user passes `--allow-real-data-outputs`, and refuses before
 * any kernel starts, so nothing at all is written.
 *
 * The data source is real when a data folder is named (`--data DIR`, the
 * SPRINT_DATA_DIR environment variable, or a `--param dataDir=...`) and that
 * folder is not one the simulator wrote (lib/data's stamp file
 * `synthetic.json`): the same rule as lib/data's `resolveDataSource`.
 */
import * as path from 'node:path';
import { isSyntheticDir } from '../../lib/data/source';

/** Environment variable, passed to the kernels, that lifts the guard of lib/plots' figure export too. */
export const ALLOW_REAL_DATA_ENV = 'SPRINT_ALLOW_REAL_DATA_OUTPUTS';

export interface DataSourceGuess {
  kind: 'embedded' | 'real';
  /** The named folder (absolute) and what named it; null for the embedded default. */
  dir: string | null;
  via: string | null;
}

/** Which data the notebooks will read, from the runner's options and environment (no files are generated). */
export function runnerDataSource(opts: { data?: string; params?: Record<string, unknown>; env?: NodeJS.ProcessEnv }): DataSourceGuess {
  const env = opts.env ?? process.env;
  const param = opts.params?.dataDir;
  const candidates: [unknown, string][] = [
    [opts.data, '--data'],
    [param, '--param dataDir'],
    [env.SPRINT_DATA_DIR, 'SPRINT_DATA_DIR'],
  ];
  for (const [value, via] of candidates) {
    if (typeof value === 'string' && value.trim() !== '') {
      const dir = path.resolve(value);
      return { kind: isSyntheticDir(dir) ? 'embedded' : 'real', dir, via };
    }
  }
  return { kind: 'embedded', dir: null, via: null };
}

/** The refusal message, or null when the run may go on. */
export function realDataRefusal(source: DataSourceGuess, update: boolean, allow: boolean): string | null {
  if (!update || allow || source.kind !== 'real') return null;
  return [
    `refusing --update: the data source is real (${source.via} = ${source.dir}).`,
    'Stored notebook outputs are committed to the repository; outputs computed on the real SPRINT',
    'release are for your eyes only and must not be stored there. Nothing was written.',
    '- to check the notebooks on your data, run without --update (outputs are compared, not stored;',
    '  executed copies of failing notebooks go to the git-ignored .runner/failed/);',
    '- to store them anyway (e.g. in a private copy of the repository), pass --allow-real-data-outputs.',
  ].join('\n');
}
