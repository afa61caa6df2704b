/**
 * lib/generators/gaussian: the private baseline the GAN is measured against,
 * a DP Gaussian model of the patients (no TF.js).
 *
 * - model.ts   the mechanism (clipping, the two Gaussian releases, post-processing) and sampling
 * - family.ts  the family: a run folder holding one release
 */
export { gaussian, describeGaussianRun, gaussianReleaseOptions, DEFAULT_GAUSSIAN_EPSILON } from './family';
export type { GaussianOptions, GaussianRunInfo, GaussianModelFile, GaussianTrainedRun } from './family';
export {
  releaseDpGaussian,
  releaseFromCohort,
  sampleDpGaussian,
  sampleGaussianCohort,
  calibrateGaussianNoise,
  addToLedger,
  clippedSums,
  projectPsd,
} from './model';
export type { DpGaussian, GaussianReleaseOptions } from './model';
