/**
 * `sprint-gan sample`: synthetic patients from a run folder of any generator
 * family (lib/generators' interface), written as a SPRINT-format folder that
 * the data loader reads like the real release.
 *
 * One writer at a time: --out is locked while the patients are written
 * (lib/generators/lock.ts), so a second sample into it, or a sample into a
 * run folder being trained, is refused with the holder's pid and host. A run
 * being trained can be sampled from: only its committed epochs are read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from '../main';
import { numberOption, parseCommandArgs } from '../options';

const help = `Usage: sprint-gan sample --run DIR --n N --out DIR [options]

Generates N synthetic patients from a run folder of any generator (an AC-GAN
run's generator checkpoint, a Markov-Gaussian or Gaussian release) and writes
them as a SPRINT-format folder: baseline.csv (MASKID, INTENSIVE) and bp.csv
(MASKID, VISITCODE, SBP, DBP, N_BPCLASSES for the 12 visits RZ..27M), in mmHg
and medication classes, with participant ids SYN-A000001 (AC-GAN), SYN-G...
(Gaussian), SYN-M... (Markov-Gaussian) that no real SPRINT id looks like.

Beside them, release.json: the generator and run, the epochs used, the kind
of training data (embedded, simulated, real), and the total epsilon and
delta with the privacy ledger's entries (what the run recorded: its
training, and any other release). Nothing in it is computed exactly from the
patients; what the release reveals beyond epsilon, if anything, is listed
under notCovered (an AC-GAN trained with the paper's --scaling max: the data's
maxima). Choosing --epoch by scores on real patients costs privacy that the
run does not know about: add it yourself.

Options:
  --run DIR         run folder written by 'sprint-gan train' (or 'gaussian --run')
  --epoch E         checkpoint epoch (default: the last complete one)
  --n N             number of patients (default 6000)
  --out DIR         output folder
  --seed S          seed of the latent vectors and arms (default 0)
  --balanced        exactly half the patients in each arm (default: random arms)
  --backend NAME    tensorflow-gpu, tensorflow, wasm or cpu (default: best available;
                    not webgpu, which cannot read results synchronously)
  --force           overwrite baseline.csv, bp.csv and release.json already in --out
  -h, --help        this text`;

/** sample's options (also what a sweep's grid may set: lib/sweep/grid.ts). */
export const SAMPLE_OPTIONS = {
  run: { type: 'string' },
  epoch: { type: 'string' },
  n: { type: 'string' },
  out: { type: 'string' },
  seed: { type: 'string' },
  balanced: { type: 'boolean' },
  backend: { type: 'string' },
  force: { type: 'boolean' },
} as const;

export const command: Command = {
  summary: 'Generate synthetic patients from a run of any generator (SPRINT-format CSVs and release.json)',
  help,
  async run(argv: string[]): Promise<number> {
    const values = parseCommandArgs(argv, SAMPLE_OPTIONS);
    if (!values.run) throw new Error('sample: --run DIR is required (a folder written by sprint-gan train).');
    if (!values.out) throw new Error('sample: --out DIR is required.');
    const n = numberOption('n', values.n, { integer: true, min: 1 }) ?? 6000;
    const givenEpoch = numberOption('epoch', values.epoch, { integer: true, min: 1 });
    const seed = numberOption('seed', values.seed, { integer: true, min: 0 }) ?? 0;
    const out = values.out;
    const refuseExisting = () => {
      const existing = ['baseline.csv', 'bp.csv', 'release.json'].filter((f) => fs.existsSync(path.join(out, f)));
      if (existing.length > 0 && !values.force) {
        const list = existing.length === 1 ? existing[0] : `${existing.slice(0, -1).join(', ')} and ${existing[existing.length - 1]}`;
        throw new Error(`sample: ${out} already has ${list}; use --force to overwrite.`);
      }
    };
    refuseExisting();
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { selectBackend } = require('../../lib/compute/index') as typeof import('../../lib/compute/index');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const generators = require('../../lib/generators/index') as typeof import('../../lib/generators/index');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { writeSprintCsv } = require('../../lib/data/write') as typeof import('../../lib/data/write');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { writeJsonAtomic } = require('../../lib/fs') as typeof import('../../lib/fs');
    const lock = generators.lockRunFolder(out, { log: (l) => console.error(l) });
    try {
      refuseExisting(); // again, now that no other writer can be at work
      const training = generators.lockStatus(values.run);
      const summary = generators.describeRun(values.run);
      // Only the AC-GAN runs on TF.js; the single-release families need no backend.
      if (summary.generator === 'acgan') await selectBackend({ backend: values.backend, log: (l) => console.error(l) });
      const epoch = givenEpoch ?? generators.latestRunEpoch(values.run);
      if (training && !training.verdict.stale) {
        console.error(`Note: ${values.run} is being trained (pid ${training.holder.pid} on ${training.holder.host}); sampling its committed epoch ${epoch}.`);
      }
      const arms = values.balanced ? 'balanced' : 'random';
      const t0 = Date.now();
      const cohort = generators.sampleFromRun(values.run, n, { epoch, seed, arms });
      const record = generators.releaseRecord(values.run, { epochs: [epoch], n, seed, arms });
      const files = writeSprintCsv(out, cohort);
      const release = path.join(out, 'release.json');
      writeJsonAtomic(release, record);
      console.error(
        `Generated ${n} patients from ${values.run} (${summary.generator}) epoch ${epoch} in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
          (record.epsilon === null ? 'not private.' : `epsilon ${record.epsilon.toFixed(4)} at delta ${record.delta} in total (release.json).`),
      );
      for (const line of record.notCovered) console.error(`Not covered by epsilon: ${line}.`);
      console.log(JSON.stringify({ run: values.run, generator: summary.generator, epoch, n, epsilon: record.epsilon, delta: record.delta, ...files, release }));
      return 0;
    } finally {
      lock.release();
    }
  },
};
