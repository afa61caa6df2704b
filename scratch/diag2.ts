import { utilitySets } from '../bench/utility';
import * as markov from '../lib/generators/markov';
import { realFeatures, syntheticFeatures } from '../lib/eval/units';
const sets = utilitySets(false, true);
function stats(x: Float64Array, y: Uint8Array, n: number) {
  const out: string[] = [];
  for (const a of [0, 1]) for (const m of [0, 1]) {
    const cells: string[] = [];
    for (const v of [0, 1, 3, 6, 11]) {
      let s = 0, s2 = 0, c = 0;
      for (let i = 0; i < n; i++) if (y[i] === a) { const t = x[i * 36 + m * 12 + v]; s += t; s2 += t * t; c++; }
      cells.push(`${(s / c).toFixed(1)}(${Math.sqrt(s2 / c - (s / c) ** 2).toFixed(1)})`);
    }
    // sd of the patient's mean over visits 4..11
    let s = 0, s2 = 0, c = 0;
    for (let i = 0; i < n; i++) if (y[i] === a) { let mm = 0; for (let v = 4; v < 12; v++) mm += x[i * 36 + m * 12 + v] / 8; s += mm; s2 += mm * mm; c++; }
    out.push(`arm ${a} ${m ? 'DBP' : 'SBP'}: ${cells.join(' ')}  later-mean ${(s / c).toFixed(1)}(${Math.sqrt(s2 / c - (s / c) ** 2).toFixed(1)})`);
  }
  return out.join('\n');
}
console.log('real\n' + stats(realFeatures(sets.train), sets.train.y, sets.train.n));
for (const eps of [Infinity, 1.6, 0.5]) {
  const model = markov.fit(sets.train, { targetEpsilon: eps, seed: 0 });
  const syn = markov.sample(model, 6000, 0, { maxima: sets.train.maxima });
  console.log(`eps ${eps}\n` + stats(syntheticFeatures(syn), syn.y, syn.n));
}
