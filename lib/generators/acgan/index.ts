/**
 * lib/generators/acgan: the DP AC-GAN of the paper in TensorFlow.js, as a
 * generator family (./family.ts). The numeric platform it runs on (backend
 * choice, kernels, threads, fast noise) is lib/compute.
 *
 * - models.ts          generator and discriminator as functions over explicit weights
 * - dpsgd.ts           Poisson sampling, per-example clipping (ghost and loop), noise
 * - adam.ts            Adam with checkpointable state (one-pass fused update on wasm/cpu)
 * - step.ts            one training step (D DP-SGD update, then G update), shared by train.ts and bench/
 * - train.ts           the training loop as named steps: set up or resume, one epoch, evaluate, account, checkpoint
 * - checkpoint.ts      run-folder files (atomic), TF.js generator export/import
 * - sample.ts          synthetic patients from a generator or a run folder
 * - generator-pool.ts  generation on every core (workers/generate.ts)
 * - discriminator.ts   the last discriminator as a membership score (the audit)
 * - family.ts          the family: train, describe, sample, memberScorer
 */
export { acgan, describeAcganRun } from './family';
export type { AcganOptions, AcganTrainedRun } from './family';
export {
  PAPER_ARCHITECTURE,
  COMPACT_ARCHITECTURE,
  TINY_ARCHITECTURE,
  ARCHITECTURES,
  namedArchitecture,
  resolveArchitecture,
  createGenerator,
  createDiscriminator,
  disposeParams,
  countParams,
  generate,
  discriminate,
  makeDropoutMasks,
  disposeMasks,
  perExampleLosses,
} from './models';
export type { GanArchitecture, ArchitectureName, Params, DropoutMasks, DOutput } from './models';
export { poissonSample, dpGradients, dpGradientsGhost, dpGradientsLoop, plainGradients, unfoldPatches } from './dpsgd';
export type { DpOptions, DBatch, DGradients, PerExampleMethod } from './dpsgd';
export { Adam, DEFAULT_ADAM } from './adam';
export type { AdamConfig } from './adam';
export {
  trainGan,
  resolveConfig,
  isPrivate,
  samplingRate,
  evaluateLosses,
  progressLine,
  progressBar,
  openRunFolder,
  createNetworks,
  disposeNetworks,
  restoreNetworks,
  resumePoint,
  budgetStop,
  epochPrivacy,
  runEpoch,
  commitEpoch,
  PAPER_DEFAULTS,
  TARGET_EPSILONS,
  RunExistsError,
} from './train';
export type {
  TrainConfig,
  TrainOptions,
  TrainResult,
  TrainMode,
  TrainProgress,
  EpochRecord,
  EpochSums,
  LossPair,
  Networks,
  RunFolder,
  RunInfo,
  CheckpointInfo,
  Accountant,
} from './train';
export { saveGenerator, loadGenerator, generatorLayersModel, epochDirName } from './checkpoint';
export type { GeneratorMetadata } from './checkpoint';
export { sampleCohort, sampleFromRun, latestEpoch } from './sample';
export type { SampleOptions } from './sample';
export { loadDiscriminatorScorer } from './discriminator';
export type { DiscriminatorScorer } from './discriminator';
