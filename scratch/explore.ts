import { simulateSprint, parseSprint, preprocessWithReport, splitCohort, N_FEATURES } from '../lib/data';
import { realFeatures } from '../lib/eval/units';
function load(seed: number, participants: number) {
  const r = simulateSprint({ seed, participants });
  const enc = new TextEncoder();
  return preprocessWithReport(parseSprint('baseline.csv', enc.encode(r.baselineCsv), 'bp.csv', enc.encode(r.bpCsv)));
}
let t = Date.now();
const emb = load(2015, 9361);
console.log('embedded', emb.report.kept, emb.report.keptByArm, emb.report.maxima, Date.now() - t); t = Date.now();
const { train, test } = splitCohort(emb.cohort);
console.log('train', train.n, 'test', test.n);
const big = load(2016, 32000);
console.log('large', big.report.kept, big.report.keptByArm, big.report.maxima, Date.now() - t);
const X = realFeatures(train);
const pats = [new Map<string, number>(), new Map<string, number>()];
const m0 = [new Map<number, number>(), new Map<number, number>()];
for (let i = 0; i < train.n; i++) {
  const a = train.y[i];
  const meds = Array.from({ length: 12 }, (_, v) => X[i * 36 + 24 + v]);
  const d = meds.map((m) => m - meds[0]).join(',');
  pats[a].set(d, (pats[a].get(d) ?? 0) + 1);
  m0[a].set(meds[0], (m0[a].get(meds[0]) ?? 0) + 1);
}
for (const a of [0, 1]) {
  console.log('arm', a, 'distinct patterns', pats[a].size, 'M0', [...m0[a].entries()].sort());
  console.log([...pats[a].entries()].sort((p, q) => q[1] - p[1]).slice(0, 15));
}
