/**
 * `sprint-gan preprocess [--data DIR] --out FILE`: validates the SPRINT files
 * and writes the 12-visit cohort.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from '../main';
import { parseCommandArgs, usageError } from '../options';
import {
  BASELINE_FILE,
  BP_FILE,
  SprintDataError,
  loadSprintSync,
  preprocessWithReport,
  resolveDataSource,
  saveCohort,
} from '../../lib/data';

const help = `Usage: sprint-gan preprocess [--data DIR] --out FILE

Validates baseline.csv and bp.csv and writes the preprocessed cohort (patients
with SBP, DBP and N_BPCLASSES at all 12 visits RZ..27M, normalized by the
bp.csv maxima) to FILE in the documented JSON cohort format.

Options:
  --data DIR   folder with the SPRINT files (default: $SPRINT_DATA_DIR, else the
               embedded synthetic cohort)
  --out FILE   cohort file to write (atomically); must not be one of the input CSVs

Exits with status 1 and a message naming file, line and column on bad input.`;

export const command: Command = {
  summary: 'validate the SPRINT files and write the 12-visit cohort',
  help,
  async run(argv: string[]): Promise<number> {
    let data: string | undefined;
    let out: string;
    try {
      const values = parseCommandArgs(argv, { data: { type: 'string' }, out: { type: 'string' } });
      if (!values.out) throw new Error('--out FILE is required');
      data = values.data;
      out = values.out;
    } catch (err) {
      return usageError('preprocess', err, help);
    }
    try {
      const source = resolveDataSource({ dataDir: data });
      const target = path.resolve(out);
      for (const f of [BASELINE_FILE, BP_FILE]) {
        if (target === path.resolve(source.dir, f)) {
          console.error(`sprint-gan preprocess: --out ${out} is an input file; refusing to overwrite it.`);
          return 1;
        }
      }
      if (fs.existsSync(target) && fs.statSync(target).isDirectory()) {
        console.error(`sprint-gan preprocess: --out ${out} is a folder; give a file name such as ${path.join(out, 'cohort.json')}.`);
        return 1;
      }
      const tables = loadSprintSync(source.dir);
      for (const w of tables.warnings) console.error(`warning: ${w.message}`);
      const { cohort, report } = preprocessWithReport(tables);
      if (cohort.n === 0) {
        throw new SprintDataError('no participant has all 12 study visits (RZ..27M) complete', {
          code: 'no-cohort',
          file: path.join(source.dir, BP_FILE),
          expected: 'participants with SBP, DBP and N_BPCLASSES at RZ, 1M, 2M, 3M, 6M, ..., 27M',
          hint: 'Check that bp.csv is the full release.',
        });
      }
      saveCohort(cohort, out, { source: source.kind, dataDir: source.dir });
      console.log(
        `Cohort: ${cohort.n} of ${report.participants} participants (standard ${report.keptByArm[0]}, intensive ${report.keptByArm[1]}); ` +
          `maxima SBP ${cohort.maxima[0]}, DBP ${cohort.maxima[1]}, N_BPCLASSES ${cohort.maxima[2]}; ` +
          `data: ${source.kind} (${source.dir}); written to ${out}.`,
      );
      return 0;
    } catch (err) {
      if (err instanceof SprintDataError) {
        console.error(`sprint-gan preprocess: ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
};
