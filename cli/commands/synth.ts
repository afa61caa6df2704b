/**
 * `sprint-gan synth --out DIR [--seed N] [--participants N]`: writes a
 * SPRINT-shaped synthetic release (baseline.csv, bp.csv) into DIR.
 */
import type { Command } from '../main';
import { numberOption, parseCommandArgs, usageError } from '../options';
import { DEFAULT_SEED, SPRINT_PARTICIPANTS, holdsUserData, simulateSprint, writeSyntheticRelease } from '../../lib/data';

const help = `Usage: sprint-gan synth --out DIR [--seed N] [--participants N]

Writes a seeded, SPRINT-shaped synthetic cohort (baseline.csv and bp.csv in the
format of the real SPRINT release, plus synthetic.json describing it) into DIR.
The same seed gives byte-identical files.

Options:
  --out DIR            folder to write (created if needed)
  --seed N             seed (default ${DEFAULT_SEED}, the embedded cohort's)
  --participants N     number of participants (default ${SPRINT_PARTICIPANTS})

CSV files in DIR that the simulator did not write are never overwritten.`;

export const command: Command = {
  summary: 'write a seeded SPRINT-shaped synthetic baseline.csv and bp.csv',
  help,
  async run(argv: string[]): Promise<number> {
    let out: string | undefined;
    let seed: number;
    let participants: number;
    try {
      const values = parseCommandArgs(argv, {
        out: { type: 'string' },
        seed: { type: 'string' },
        participants: { type: 'string' },
      });
      out = values.out;
      if (!out) throw new Error('--out DIR is required');
      seed = numberOption('seed', values.seed, { integer: true, min: 0 }) ?? DEFAULT_SEED;
      participants = numberOption('participants', values.participants, { integer: true, min: 1 }) ?? SPRINT_PARTICIPANTS;
      if (participants > 99999) throw new Error('--participants must be at most 99999');
    } catch (err) {
      return usageError('synth', err, help);
    }
    if (holdsUserData(out)) {
      console.error(
        `sprint-gan synth: ${out} already holds baseline.csv/bp.csv not written by the simulator; refusing to overwrite them. Choose another --out folder.`,
      );
      return 1;
    }
    const t0 = performance.now();
    const release = simulateSprint({ seed, participants });
    writeSyntheticRelease(out, release, { seed, participants });
    const rows = release.bpCsv.split('\n').length - 2;
    console.log(
      `Wrote ${participants} synthetic participants (${rows} visits, seed ${seed}) to ${out} in ${Math.round(performance.now() - t0)} ms.`,
    );
    return 0;
  },
};
