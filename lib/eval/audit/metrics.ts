/**
 * How well a membership score separates members from non-members.
 *
 * Convention everywhere in the audit: a larger score means "more likely a
 * member"; an attack with threshold t predicts "member" when score >= t.
 *
 * - ROC AUC = P(S_member > S_nonmember) + 1/2 P(S_member = S_nonmember), the
 *   Mann-Whitney U statistic divided by n_pos * n_neg, computed with midranks
 *   so that ties count one half.
 * - Its standard error by Hanley & McNeil (1982, Radiology 143:29):
 *   SE^2 = (A(1-A) + (n_pos-1)(Q1-A^2) + (n_neg-1)(Q2-A^2)) / (n_pos n_neg),
 *   Q1 = A/(2-A), Q2 = 2A^2/(1+A). At A = 1/2 this is (n_pos+n_neg+1)/(12 n_pos n_neg),
 *   the exact null variance of U/(n_pos n_neg).
 * - TPR at a target FPR: the largest TPR over thresholds whose empirical FPR
 *   is at most the target (no randomized tie-breaking). The smallest non-zero
 *   FPR that can be measured is 1/n_neg, so a target below that only admits
 *   thresholds with no false positive at all.
 */

export type Scores = ArrayLike<number>;

function checkScores(name: string, s: Scores): void {
  if (s.length === 0) throw new RangeError(`${name}: no scores`);
  for (let i = 0; i < s.length; i++) {
    if (Number.isNaN(s[i])) throw new RangeError(`${name}: score ${i} is NaN`);
  }
}

/** ROC AUC with ties counted one half (midranks). */
export function rocAuc(members: Scores, nonMembers: Scores): number {
  checkScores('rocAuc members', members);
  checkScores('rocAuc nonMembers', nonMembers);
  const nPos = members.length;
  const nNeg = nonMembers.length;
  const all: { s: number; pos: boolean }[] = [];
  for (let i = 0; i < nPos; i++) all.push({ s: members[i], pos: true });
  for (let i = 0; i < nNeg; i++) all.push({ s: nonMembers[i], pos: false });
  all.sort((a, b) => a.s - b.s);
  let rankSumPos = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].s === all[i].s) j++;
    const midrank = (i + j) / 2 + 1; // ranks are 1-based
    for (let k = i; k <= j; k++) if (all[k].pos) rankSumPos += midrank;
    i = j + 1;
  }
  const u = rankSumPos - (nPos * (nPos + 1)) / 2;
  return u / (nPos * nNeg);
}

/** Hanley-McNeil standard error of an AUC estimated from n_pos members and n_neg non-members. */
export function hanleyMcNeilSe(auc: number, nPos: number, nNeg: number): number {
  if (!(auc >= 0 && auc <= 1)) throw new RangeError(`hanleyMcNeilSe: auc must be in [0, 1], got ${auc}`);
  if (!(nPos >= 1 && nNeg >= 1)) throw new RangeError(`hanleyMcNeilSe: need n_pos, n_neg >= 1, got ${nPos}, ${nNeg}`);
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const v = (auc * (1 - auc) + (nPos - 1) * (q1 - auc * auc) + (nNeg - 1) * (q2 - auc * auc)) / (nPos * nNeg);
  return Math.sqrt(Math.max(0, v));
}

/** One operating point: predict "member" when score >= threshold. */
export interface OperatingPoint {
  threshold: number;
  /** Members above the threshold (true positives) and non-members above it (false positives). */
  tp: number;
  fp: number;
  nPos: number;
  nNeg: number;
  tpr: number;
  fpr: number;
}

/**
 * All operating points, from threshold +Infinity (nothing predicted member:
 * TPR = FPR = 0) down through every distinct score (the last one predicts
 * everyone a member: TPR = FPR = 1).
 */
export function operatingPoints(members: Scores, nonMembers: Scores): OperatingPoint[] {
  checkScores('operatingPoints members', members);
  checkScores('operatingPoints nonMembers', nonMembers);
  const nPos = members.length;
  const nNeg = nonMembers.length;
  const all: { s: number; pos: boolean }[] = [];
  for (let i = 0; i < nPos; i++) all.push({ s: members[i], pos: true });
  for (let i = 0; i < nNeg; i++) all.push({ s: nonMembers[i], pos: false });
  all.sort((a, b) => b.s - a.s);
  const points: OperatingPoint[] = [{ threshold: Infinity, tp: 0, fp: 0, nPos, nNeg, tpr: 0, fpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j].s === all[i].s) {
      if (all[j].pos) tp++;
      else fp++;
      j++;
    }
    points.push({ threshold: all[i].s, tp, fp, nPos, nNeg, tpr: tp / nPos, fpr: fp / nNeg });
    i = j;
  }
  return points;
}

/** The ROC curve as arrays (for plotting): fpr and tpr, from (0, 0) to (1, 1). */
export function rocCurve(members: Scores, nonMembers: Scores): { fpr: number[]; tpr: number[] } {
  const pts = operatingPoints(members, nonMembers);
  return { fpr: pts.map((p) => p.fpr), tpr: pts.map((p) => p.tpr) };
}

/** The operating point with the largest TPR among those with FPR <= `targetFpr` (ties: the smaller FPR). */
export function tprAtFpr(members: Scores, nonMembers: Scores, targetFpr: number): OperatingPoint {
  if (!(targetFpr >= 0 && targetFpr <= 1)) throw new RangeError(`tprAtFpr: target FPR must be in [0, 1], got ${targetFpr}`);
  let best: OperatingPoint | null = null;
  for (const p of operatingPoints(members, nonMembers)) {
    if (p.fpr <= targetFpr + 1e-12 && (best === null || p.tpr > best.tpr)) best = p;
  }
  return best as OperatingPoint; // the +Infinity threshold always qualifies
}
