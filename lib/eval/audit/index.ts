/**
 * lib/eval/audit: does a synthetic-data release leak who was in the
 * training set? Membership-inference attacks, their ROC statistics, and the
 * empirical epsilon lower bound they imply, to read next to the accountant's
 * epsilon. An audit can refute a privacy claim, never prove it.
 *
 * - metrics.ts        ROC AUC (ties 1/2), Hanley-McNeil SE, operating points, TPR at FPR
 * - bounds.ts         Clopper-Pearson, eps_lb(TPR, FPR, delta) and its confidence version
 * - attacks.ts        DCR, DOMIAS-style density ratio (Gaussian KDE), score-function attacks
 * - audit.ts          member/non-member split, the audit of each attack, tables
 *
 * The model-based attack scores with a run's own member scorer (the AC-GAN's
 * discriminator) through lib/generators' `runMemberScorer`.
 *
 * Formulas, sources and caveats: lib/eval/audit/README.md.
 */
export { rocAuc, hanleyMcNeilSe, operatingPoints, rocCurve, tprAtFpr } from './metrics';
export type { OperatingPoint, Scores } from './metrics';
export { binomialCdf, clopperPearson, epsilonFromRates, epsilonLowerBound, maxCertifiableEpsilon } from './bounds';
export type { AttackCounts, EpsilonBound } from './bounds';
export {
  closestSyntheticDistance,
  dcrScores,
  densityRatioScores,
  featureScale,
  scoreWith,
  scottBandwidth,
} from './attacks';
export type { DcrOptions, DensityRatioOptions, PatientRows, ScoreFn } from './attacks';
export {
  ATTACKS,
  auditScores,
  auditTableHtml,
  auditTableRows,
  auditTableText,
  membershipSplit,
  runMembershipAudit,
} from './audit';
export type { AuditOptions, AuditReport, AuditRow, MembershipAuditInput, MembershipSplit } from './audit';
export { loadDiscriminatorScorer } from '../../generators/acgan/discriminator';
export type { DiscriminatorScorer } from '../../generators/acgan/discriminator';
