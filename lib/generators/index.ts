/**
 * lib/generators: synthetic-patient generators, one folder per family, all
 * behind one interface (./family.ts): train into a run folder (resume, budget
 * stop, privacy cost), sample patients from a run and an epoch, describe it.
 *
 * - family.ts   the interface and its types
 * - folder.ts   the run folder's claiming rules, shared by every family
 * - lock.ts     the run-folder lock: one writer at a time, stale locks taken over
 * - run.ts      any run folder: the registry, describe, sample, ledger, member scorer
 * - acgan/      the paper's DP AC-GAN (TensorFlow.js, on lib/compute)
 * - gaussian/   the DP Gaussian baseline
 * - markov/     the Markov-Gaussian: medication chains and a conditional Gaussian, two Gaussian-mechanism releases
 */
export type { GeneratorFamily, GeneratorName, MemberScoreFn, MemberScorer, RunSummary, SampleRequest, TrainRequest, TrainedRun } from './family';
export { RunExistsError, claimRunFolder } from './folder';
export type { ClaimedFolder, RunCheckpoint } from './folder';
export { LOCK_FILE, RunLockedError, judgeLock, lockRunFolder, lockStatus, lockedMessage, pidAlive } from './lock';
export type { LockFacts, LockHolder, LockOptions, LockVerdict, RunFolderLock } from './lock';
export { GENERATORS, GENERATOR_NAMES, generatorFamily, runFamily, describeRun, latestRunEpoch, sampleFromRun, runLedger, runMemberScorer, releaseRecord } from './run';
export type { ReleaseRecord } from './run';
export { acgan } from './acgan/family';
export type { AcganOptions, AcganTrainedRun } from './acgan/family';
export { gaussian } from './gaussian/family';
export type { GaussianOptions, GaussianTrainedRun } from './gaussian/family';
export { markov } from './markov/family';
export type { MarkovFamilyOptions, MarkovRunInfo, MarkovTrainedRun } from './markov/family';
