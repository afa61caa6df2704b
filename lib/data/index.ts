/**
 * lib/data: SPRINT files -> validated tables -> cohort.
 *
 * - {@link simulateSprint}: the seeded SPRINT-shaped synthetic release (embedded default)
 * - {@link resolveDataSource} / {@link ensureEmbeddedData}: real data via SPRINT_DATA_DIR, else embedded
 * - {@link loadSprint}: validated loader with typed {@link SprintDataError}s and aggregated warnings
 * - {@link preprocess}: the Preprocess.ipynb port (12 visits x 3 measures, normalized)
 * - {@link splitCohort}, {@link saveCohort}, {@link loadCohort}: split and on-disk format
 * - {@link calibrationTable}: published SPRINT numbers vs a loaded release
 * - {@link loadTrainingData}: a folder (or the embedded cohort) -> train and holdout, in one call
 * - {@link toGanSpace} / {@link fromGanSpace}: the fixed, data-independent space generators train in
 * - {@link writeSprintCsv}: a cohort (e.g. synthetic patients) back to SPRINT-format files
 */
export * from './cohort';
export * from './errors';
export * from './format';
export {
  simulateSprint,
  SIMULATION_PARAMETERS,
  DEFAULT_SEED,
  SPRINT_PARTICIPANTS,
  SPRINT_INTENSIVE,
} from './simulate';
export type { SimulateOptions, SimulatedRelease, SimulationParameters } from './simulate';
export { loadSprint, loadSprintSync, parseSprint, parseBaseline, parseBp, toDataFrame } from './load';
export type { BaselineTable, BpTable, SprintTables } from './load';
export { parseCsv } from './csv';
export { preprocess, preprocessWithReport, rawValue, selectPatients } from './preprocess';
export type { PreprocessOptions, PreprocessReport } from './preprocess';
export { splitCohort, defaultTrainSize, PAPER_TRAIN_SIZE } from './split';
export type { SplitOptions } from './split';
export {
  saveCohort,
  loadCohort,
  serializeCohort,
  parseCohort,
  COHORT_FORMAT,
  COHORT_FORMAT_VERSION,
} from './store';
export type { CohortFile } from './store';
export {
  resolveDataSource,
  ensureEmbeddedData,
  ensureSimulatedRelease,
  ensureLargeTestData,
  defaultEmbeddedDir,
  defaultLargeTestDir,
  LARGE_TEST_SEED,
  LARGE_TEST_PARTICIPANTS,
  writeSyntheticRelease,
  holdsUserData,
  isSyntheticDir,
  GENERATOR_VERSION,
  STAMP_FILE,
} from './source';
export type { DataSource, SyntheticStamp } from './source';
export { writeFileAtomic, repoRoot } from '../fs';
export {
  CALIBRATION_TARGETS,
  RANDOM_FOREST_TARGET,
  calibrationTable,
  measureCalibration,
  formatCalibrationTable,
  cohortMeans,
} from './calibration';
export type { CalibrationTarget, CalibrationRow } from './calibration';
export { armTrajectories, trajectoriesSvg } from './trajectories';
export type { ArmTrajectories } from './trajectories';
export { htmlTable, calibrationHtml, patientHtml } from './display';
export { loadTrainingData } from './training';
export type { TrainingData, DataKind } from './training';
export { SPRINT_SCALING, PUBLIC_MAXIMA, renormalize, SCALINGS, namedScaling, toGanSpace, intoGanSpace, fromGanSpace, validateScaling } from './scaling';
export type { DataScaling } from './scaling';
export { writeSprintCsv } from './write';
