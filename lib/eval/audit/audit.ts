/**
 * The membership-inference audit of a synthetic-data release.
 *
 * Setup: the training pool is split at random (seeded) into members, on
 * which the generator is trained, and non-members, held out. An attack
 * scores every member and non-member; a private release must keep the two
 * score distributions close. Reported per attack:
 *
 * - ROC AUC (ties one half) and its Hanley-McNeil standard error;
 * - TPR at FPR 1% and 0.1% (the latter only when there are >= 1000
 *   non-members, otherwise null: an FPR below 1/n_neg cannot be measured);
 * - the empirical epsilon lower bound (bounds.ts): `epsilonPoint` at the
 *   TPR@1%FPR operating point (optimistic), and `epsilonLower`, valid with
 *   probability >= `confidence`: the threshold is chosen on a random half of
 *   the members and of the non-members (the one maximizing the bound there)
 *   and the Clopper-Pearson bound is computed on the other half.
 *
 * Read it next to the accountant's epsilon: epsilonLower > accountant epsilon
 * would refute the claim (a bug in the sampler, clipping, noise or accounting);
 * epsilonLower below it is consistent with the claim but does not prove it.
 */
import type { Cohort } from '../../data/cohort';
import { Random } from '../../random';
import { type PatientRows, type ScoreFn, dcrScores, densityRatioScores, scoreWith } from './attacks';
import { epsilonLowerBound, maxCertifiableEpsilon } from './bounds';
import { type Scores, hanleyMcNeilSe, operatingPoints, rocAuc, tprAtFpr } from './metrics';

/** Subset of a cohort by patient indices (same maxima). */
function subset(c: Cohort, idx: readonly number[]): Cohort {
  const d = c.x.length / c.n;
  const x = new Float32Array(idx.length * d);
  idx.forEach((i, k) => x.set(c.x.subarray(i * d, (i + 1) * d), k * d));
  return { n: idx.length, x, y: Uint8Array.from(idx, (i) => c.y[i]), maskIds: idx.map((i) => c.maskIds[i]), maxima: [...c.maxima] as [number, number, number] };
}

export interface MembershipSplit {
  /** Patients the generator is trained on. */
  members: Cohort;
  /** Patients held out (same population, never seen by training). */
  nonMembers: Cohort;
  /** Indices into the pool, in the order of the two cohorts. */
  memberIndex: number[];
  nonMemberIndex: number[];
}

/**
 * Splits a training pool at random into members (floor(n/2), or
 * round(n * memberFraction)) and non-members; seeded, so the same pool and
 * seed give the same split. Each side keeps pool order.
 */
export function membershipSplit(pool: Cohort, options: { seed?: number | string; memberFraction?: number } = {}): MembershipSplit {
  const frac = options.memberFraction ?? 0.5;
  if (!(frac > 0 && frac < 1)) throw new RangeError(`membershipSplit: memberFraction must be in (0, 1), got ${frac}`);
  if (pool.n < 2) throw new RangeError(`membershipSplit: need at least 2 patients, got ${pool.n}`);
  const nMembers = Math.min(pool.n - 1, Math.max(1, options.memberFraction === undefined ? Math.floor(pool.n / 2) : Math.round(pool.n * frac)));
  const order = new Random(options.seed ?? 0).derive('membership-split').shuffle(Array.from({ length: pool.n }, (_, i) => i));
  const memberIndex = order.slice(0, nMembers).sort((a, b) => a - b);
  const nonMemberIndex = order.slice(nMembers).sort((a, b) => a - b);
  return { members: subset(pool, memberIndex), nonMembers: subset(pool, nonMemberIndex), memberIndex, nonMemberIndex };
}

export interface AuditOptions {
  /** delta of the privacy claim (default 1e-5). */
  delta?: number;
  /** Confidence of `epsilonLower` (default 0.95). */
  confidence?: number;
  /** FPRs at which TPR is reported (default [0.01, 0.001]). */
  fprTargets?: readonly number[];
  /** Seed of the calibration/evaluation halves (default 0). */
  seed?: number | string;
}

export interface AuditRow {
  attack: string;
  nMembers: number;
  nNonMembers: number;
  auc: number;
  aucSe: number;
  /** TPR at each target FPR; null when the target is below 1/nNonMembers. */
  tprAtFpr: { fpr: number; tpr: number | null }[];
  /** eps_lb at the TPR@(first target FPR) operating point, sampling error ignored. */
  epsilonPoint: number;
  /** eps_lb valid with probability >= confidence (threshold chosen on the other half). */
  epsilonLower: number;
  /** The largest epsilonLower this many patients could show (perfect attack). */
  epsilonLowerMax: number;
  confidence: number;
  delta: number;
}

function pick(s: Scores, idx: readonly number[]): number[] {
  return idx.map((i) => s[i]);
}

function halves(n: number, rng: Random): [number[], number[]] {
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const h = Math.floor(n / 2);
  return [order.slice(0, h), order.slice(h)];
}

/** Audits one attack from its member and non-member scores (larger = member). */
export function auditScores(attack: string, memberScores: Scores, nonMemberScores: Scores, options: AuditOptions = {}): AuditRow {
  const delta = options.delta ?? 1e-5;
  const confidence = options.confidence ?? 0.95;
  const targets = options.fprTargets ?? [0.01, 0.001];
  const nPos = memberScores.length;
  const nNeg = nonMemberScores.length;
  if (nPos < 2 || nNeg < 2) throw new RangeError(`auditScores(${attack}): need at least 2 members and 2 non-members, got ${nPos} and ${nNeg}`);
  const auc = rocAuc(memberScores, nonMemberScores);
  const tprAt = targets.map((fpr) => ({ fpr, tpr: fpr * nNeg >= 1 ? tprAtFpr(memberScores, nonMemberScores, fpr).tpr : null }));
  const op = tprAtFpr(memberScores, nonMemberScores, targets[0] ?? 0.01);
  const epsilonPoint = epsilonLowerBound(op, delta, confidence).point;

  const rng = new Random(options.seed ?? 0).derive(`audit:${attack}`);
  const [posCal, posEval] = halves(nPos, rng);
  const [negCal, negEval] = halves(nNeg, rng);
  let bestThreshold = Infinity;
  let bestBound = -1;
  for (const p of operatingPoints(pick(memberScores, posCal), pick(nonMemberScores, negCal))) {
    const b = epsilonLowerBound(p, delta, confidence).lower;
    if (b > bestBound) {
      bestBound = b;
      bestThreshold = p.threshold;
    }
  }
  const evalPos = pick(memberScores, posEval);
  const evalNeg = pick(nonMemberScores, negEval);
  const counts = {
    tp: evalPos.filter((s) => s >= bestThreshold).length,
    nPos: evalPos.length,
    fp: evalNeg.filter((s) => s >= bestThreshold).length,
    nNeg: evalNeg.length,
  };
  return {
    attack,
    nMembers: nPos,
    nNonMembers: nNeg,
    auc,
    aucSe: hanleyMcNeilSe(auc, nPos, nNeg),
    tprAtFpr: tprAt,
    epsilonPoint,
    epsilonLower: epsilonLowerBound(counts, delta, confidence).lower,
    epsilonLowerMax: maxCertifiableEpsilon(counts.nPos, counts.nNeg, delta, confidence),
    confidence,
    delta,
  };
}

export interface MembershipAuditInput extends AuditOptions {
  members: PatientRows;
  nonMembers: PatientRows;
  /** The synthetic release (e.g. sampleFromRun of the audited run). */
  synthetic: PatientRows;
  /** Population sample disjoint from members and non-members, for the density-ratio attack (omit to skip it). */
  reference?: PatientRows;
  /** Model-based score (e.g. discriminatorScoreFn(runDir)); omit to skip. */
  discriminator?: ScoreFn;
}

/** Attack names used by {@link runMembershipAudit}. */
export const ATTACKS = {
  discriminator: 'discriminator score',
  dcr: 'distance to closest synthetic record',
  densityRatio: 'density ratio (DOMIAS-style KDE)',
} as const;

/** Runs the attacks that the inputs allow and audits each. */
export function runMembershipAudit(input: MembershipAuditInput): AuditRow[] {
  const rows: AuditRow[] = [];
  if (input.discriminator) {
    rows.push(auditScores(ATTACKS.discriminator, scoreWith(input.discriminator, input.members), scoreWith(input.discriminator, input.nonMembers), input));
  }
  rows.push(auditScores(ATTACKS.dcr, dcrScores(input.members, input.synthetic), dcrScores(input.nonMembers, input.synthetic), input));
  if (input.reference) {
    rows.push(
      auditScores(
        ATTACKS.densityRatio,
        densityRatioScores(input.members, input.synthetic, input.reference),
        densityRatioScores(input.nonMembers, input.synthetic, input.reference),
        input,
      ),
    );
  }
  return rows;
}

/** One audited model: its rows and the epsilon its accountant claims (null: non-private). */
export interface AuditReport {
  model: string;
  accountantEpsilon: number | null;
  rows: AuditRow[];
}

function num(x: number | null, digits: number): string {
  if (x === null) return '—';
  if (x === Infinity) return '∞';
  return x.toFixed(digits);
}

const HEADERS = ['model', 'attack', 'AUC (± SE)', 'TPR @ 1% FPR', 'TPR @ 0.1% FPR', 'ε̂ (point)', 'ε lower bound (95%)', 'max certifiable', 'accountant ε'];

/** The audit table as rows of strings (for text or HTML). */
export function auditTableRows(reports: readonly AuditReport[]): string[][] {
  const out: string[][] = [];
  for (const r of reports) {
    for (const row of r.rows) {
      const at = (f: number) => row.tprAtFpr.find((t) => Math.abs(t.fpr - f) < 1e-12)?.tpr ?? null;
      out.push([
        r.model,
        row.attack,
        `${num(row.auc, 3)} ± ${num(row.aucSe, 3)}`,
        num(at(0.01), 3),
        num(at(0.001), 3),
        num(row.epsilonPoint, 2),
        num(row.epsilonLower, 2),
        num(row.epsilonLowerMax, 2),
        r.accountantEpsilon === null ? '∞ (non-private)' : num(r.accountantEpsilon, 2),
      ]);
    }
  }
  return out;
}

/** Plain-text table (fixed-width columns). */
export function auditTableText(reports: readonly AuditReport[]): string {
  const rows = [HEADERS, ...auditTableRows(reports)];
  const widths = HEADERS.map((_, j) => Math.max(...rows.map((r) => [...r[j]].length)));
  return rows.map((r) => r.map((c, j) => c + ' '.repeat(widths[j] - [...c].length)).join('  ').trimEnd()).join('\n');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** HTML table for notebooks. */
export function auditTableHtml(reports: readonly AuditReport[]): string {
  const head = `<tr>${HEADERS.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = auditTableRows(reports)
    .map((r) => `<tr>${r.map((c, j) => `<td style="text-align:${j < 2 ? 'left' : 'right'}">${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('');
  return `<table class="sprint-audit"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}
