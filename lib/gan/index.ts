/**
 * lib/gan: the DP AC-GAN of the paper in TensorFlow.js.
 *
 * - backend.ts   run-time backend choice (tfjs-node-gpu -> tfjs-node -> webgpu (training) -> wasm -> cpu) and extra kernels
 * - models.ts    generator and discriminator as functions over explicit weights
 * - dpsgd.ts     Poisson sampling, per-example clipping (ghost and loop), noise
 * - noise.ts     fast seeded Gaussian (ziggurat)
 * - adam.ts      Adam with checkpointable state (one-pass fused update on wasm/cpu, fused.ts)
 * - step.ts      one training step (D DP-SGD update, then G update), shared by train.ts and bench/
 * - train.ts     training loop, accounting, budget stop, resume
 * - checkpoint.ts run-folder files (atomic), TF.js generator export/import
 * - sample.ts    synthetic patients and SPRINT-format CSV export
 * - gaussian.ts  the private baseline the GAN is measured against: a DP Gaussian model (no TF.js)
 */
export { selectBackend, registerExtraKernels, restoreStockKernels, loadWasm, loadWebGpu, readSync, BACKEND_ORDER } from './backend';
export type { BackendInfo, BackendChoice, SelectBackendOptions, WebGpuAdapter } from './backend';
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
export { gaussian, fillGaussian, fillUniform } from './noise';
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
  LossPair,
  RunInfo,
  CheckpointInfo,
  Accountant,
} from './train';
export { saveGenerator, loadGenerator, generatorLayersModel, epochDirName } from './checkpoint';
export { writeFileAtomic, writeJsonAtomic } from '../fs';
export type { GeneratorMetadata } from './checkpoint';
export { sampleCohort, sampleFromRun, latestEpoch, writeSprintCsv } from './sample';
export type { SampleOptions } from './sample';
export { SPRINT_SCALING, SCALINGS, namedScaling, toGanSpace, intoGanSpace, fromGanSpace, validateScaling } from './scaling';
export type { DataScaling } from './scaling';
export { releaseDpGaussian, releaseFromCohort as releaseGaussian, sampleDpGaussian, sampleGaussianCohort, calibrateGaussianNoise, addToLedger as addGaussianToLedger } from './gaussian';
export type { DpGaussian, GaussianReleaseOptions } from './gaussian';
