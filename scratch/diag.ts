import { utilitySets } from '../bench/utility';
import { fitHybrid, sampleHybrid } from './hybrid';
import { realFeatures, syntheticFeatures } from '../lib/eval/units';
const sets = utilitySets();
const eps = Number(process.argv[2] ?? Infinity);
const model = fitHybrid(sets.train, { epsilon: eps, delta: 1e-5, seed: 0 });
const syn = sampleHybrid(model, 6000, sets.train.maxima, 0);
function stats(x: Float64Array, y: Uint8Array, n: number) {
  const out: string[] = [];
  for (const a of [0, 1]) for (const m of [0, 1, 2]) {
    const means: string[] = [];
    for (const v of [0, 1, 2, 5, 11]) {
      let s = 0, s2 = 0, c = 0;
      for (let i = 0; i < n; i++) if (y[i] === a) { const t = x[i * 36 + m * 12 + v]; s += t; s2 += t * t; c++; }
      means.push(`${(s / c).toFixed(1)}(${Math.sqrt(s2 / c - (s / c) ** 2).toFixed(1)})`);
    }
    out.push(`arm ${a} m ${m}: ${means.join(' ')}`);
  }
  return out.join('\n');
}
console.log('real\n' + stats(realFeatures(sets.train), sets.train.y, sets.train.n));
console.log('syn\n' + stats(syntheticFeatures(syn), syn.y, syn.n));
console.log(model.armP1, model.m0.map(r => r.map(v => v.toFixed(3)).join(' ')));
console.log(model.trans[0][0].map(r => r.map(v => v.toFixed(3)).join(' ')).join('\n'));
console.log(model.trans[1][0].map(r => r.map(v => v.toFixed(3)).join(' ')).join('\n'));
