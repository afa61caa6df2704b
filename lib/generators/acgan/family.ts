/**
 * The AC-GAN as a generator family (lib/generators/family.ts): training is
 * ./train.ts's trainGan, sampling loads an epoch's generator checkpoint, the
 * privacy cost is the DP-SGD training recorded in run.json and
 * checkpoint.json, and the membership scorer is the last discriminator.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Cohort } from '../../data/cohort';
import { renormalize } from '../../data/scaling';
import type { LedgerEntry } from '../../privacy/ledger';
import type { GeneratorFamily, RunSummary, SampleRequest, TrainRequest, TrainedRun } from '../family';
import { loadDiscriminatorScorer } from './discriminator';
import { latestEpoch, sampleFromRun } from './sample';
import { type CheckpointInfo, type EpochRecord, type RunInfo, type TrainOptions, type TrainResult, isPrivate, trainGan } from './train';

/** The AC-GAN's own training settings (everything of trainGan's options beyond the common request). */
export type AcganOptions = Omit<TrainOptions, keyof TrainRequest>;

/** What training an AC-GAN returns: the summary, and trainGan's history, checkpoint and run.json. */
export type AcganTrainedRun = TrainedRun & TrainResult;

function readJson<T>(file: string, what: string): T {
  if (!fs.existsSync(file)) {
    throw new Error(`${file} not found: ${what}. Is ${path.dirname(file)} a run folder written by sprint-gan train?`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** Reads run.json, checkpoint.json and history.json of an AC-GAN run folder. */
export function describeAcganRun(runDir: string): RunSummary {
  const run = readJson<RunInfo>(path.join(runDir, 'run.json'), 'the run settings');
  if ((run.generator ?? 'acgan') !== 'acgan') throw new Error(`${runDir} holds a run of generator '${run.generator}', not 'acgan'`);
  const ckpt = readJson<CheckpointInfo>(path.join(runDir, 'checkpoint.json'), 'the last complete epoch');
  const historyFile = path.join(runDir, 'history.json');
  const history = fs.existsSync(historyFile) ? (JSON.parse(fs.readFileSync(historyFile, 'utf8')) as EpochRecord[]) : [];
  const last = history.find((r) => r.epoch === ckpt.epoch) ?? null;
  const cfg = run.config;
  const priv = isPrivate(cfg);
  const cost: LedgerEntry[] = priv
    ? [{ kind: 'dp-sgd', name: `DP-SGD training (${ckpt.epoch} epochs)`, q: run.q, noiseMultiplier: cfg.noiseMultiplier, steps: ckpt.steps }]
    : [];
  return {
    dir: runDir,
    generator: 'acgan',
    nTrain: run.data.nTrain,
    epoch: ckpt.epoch,
    steps: ckpt.steps,
    finished: ckpt.finished,
    private: priv,
    delta: cfg.delta,
    cost,
    epsilon: last ? last.epsilon : null,
    settings: { ...cfg, q: run.q },
    dataKind: run.data.kind ?? null,
    notCovered:
      cfg.scaling == null
        ? ["the training cohort's per-measure maxima, which scale every generated value (the paper's --scaling max; train with --scaling sprint to keep them out; docs/privacy.md)"]
        : [],
  };
}

export const acgan: GeneratorFamily<AcganOptions, AcganTrainedRun> = {
  name: 'acgan',
  summary: "the paper's auxiliary-classifier GAN, trained with DP-SGD on the discriminator",
  async train(request: TrainRequest & AcganOptions): Promise<AcganTrainedRun> {
    const result = await trainGan({ ...request, targetEpsilon: request.targetEpsilon ?? null });
    return { ...result, summary: describeAcganRun(result.out) };
  },
  describe: describeAcganRun,
  sample(runDir: string, n: number, request: SampleRequest = {}): Cohort {
    const cohort = sampleFromRun(runDir, n, { epoch: request.epoch ?? latestEpoch(runDir), seed: request.seed, arms: request.arms });
    return request.maxima ? renormalize(cohort, request.maxima) : cohort;
  },
  memberScorer: loadDiscriminatorScorer,
};
