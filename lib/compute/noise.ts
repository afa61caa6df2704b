/**
 * Fast seeded Gaussian noise for DP-SGD.
 *
 * The discriminator has ~1.9M parameters, so every DP step needs ~1.9M
 * standard normals. `tf.randomNormal` draws them one by one through
 * seedrandom + Box-Muller in JS (~55 ms a step). Here: the ziggurat method of
 * Marsaglia & Tsang (2000, J. Stat. Software 5(8)) with 128 layers over the
 * project's xoshiro128** generator (lib/random.ts), filling one Float32Array
 * that is uploaded as a tensor once. About 98.8% of draws cost one 32-bit
 * random word, a multiply and a compare.
 *
 * Each 32-bit word is split: the low 7 bits pick the layer, the upper 25 bits
 * (signed) give the abscissa, so the layer index and the value use disjoint
 * bits (Doornik 2005 showed that reusing the same bits biases the original
 * code). Resolution: 2^-24 of the layer width, below float32's mantissa.
 *
 * Not cryptographically secure (neither is the generator): fine for
 * reproducible research; a production release of private data should draw DP
 * noise from a CSPRNG.
 */
import type { Random } from '../random';

const LAYERS = 128;
const R = 3.442619855899; // start of the tail
const V = 9.91256303526217e-3; // area of each layer
const M = 16777216; // 2^24: scale of the 25-bit signed abscissa

const kn = new Int32Array(LAYERS);
const wn = new Float64Array(LAYERS);
const fn = new Float64Array(LAYERS);

(function setup() {
  let dn = R;
  let tn = dn;
  const q = V / Math.exp(-0.5 * dn * dn);
  kn[0] = Math.floor((dn / q) * M);
  kn[1] = 0;
  wn[0] = q / M;
  wn[LAYERS - 1] = dn / M;
  fn[0] = 1;
  fn[LAYERS - 1] = Math.exp(-0.5 * dn * dn);
  for (let i = LAYERS - 2; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(V / dn + Math.exp(-0.5 * dn * dn)));
    kn[i + 1] = Math.floor((dn / tn) * M);
    tn = dn;
    fn[i] = Math.exp(-0.5 * dn * dn);
    wn[i] = dn / M;
  }
})();

/** Uniform in (0, 1) from one 32-bit word. */
function open01(next: () => number): number {
  return (next() + 0.5) / 4294967296;
}

/** The slow path: wedges and tail (about 1.2% of draws); `next` gives the following 32-bit words. */
function slow(next: () => number, hz: number, iz: number): number {
  for (;;) {
    const x = hz * wn[iz];
    if (iz === 0) {
      // Tail beyond R (Marsaglia 1964).
      let xt: number;
      let yt: number;
      do {
        xt = -Math.log(open01(next)) / R;
        yt = -Math.log(open01(next));
      } while (yt + yt < xt * xt);
      return hz > 0 ? R + xt : -R - xt;
    }
    if (fn[iz] + open01(next) * (fn[iz - 1] - fn[iz]) < Math.exp(-0.5 * x * x)) return x;
    const u = next() | 0;
    hz = u >> 7;
    iz = u & 127;
    if ((hz < 0 ? -hz : hz) < kn[iz]) return hz * wn[iz];
  }
}

/** One standard normal draw. */
export function gaussian(rng: Random): number {
  const u = rng.nextUint32() | 0;
  const hz = u >> 7;
  const iz = u & 127;
  if ((hz < 0 ? -hz : hz) < kn[iz]) return hz * wn[iz];
  return slow(() => rng.nextUint32(), hz, iz);
}

/** Words drawn ahead in bulk (Random.fillUint32); bulk fills are synchronous, so one scratch buffer serves all. */
const CHUNK = 8192;
const words = new Uint32Array(CHUNK);
const wordsSigned = new Int32Array(words.buffer); // the same words read as int32 (no uint32 -> double in the hot loop)

/**
 * Fills `out` with N(0, sd^2) draws from `rng` (advancing it) and returns it.
 * Deterministic: the same generator state gives the same numbers, the very
 * numbers `out.length` successive {@link gaussian} calls would give. The
 * 32-bit words are drawn in bulk, never more than are used: a chunk holds at
 * most as many words as values are still missing (each value takes at least
 * one word); the rare slow path takes its extra words from the chunk, then
 * from the generator once the chunk is used up.
 */
export function fillGaussian(out: Float32Array, rng: Random, sd = 1): Float32Array {
  const n = out.length;
  const k = kn; // locals: the hot loop reads them from registers
  const w = wn;
  const buf = wordsSigned;
  let i = 0;
  while (i < n) {
    const m = Math.min(CHUNK, n - i);
    rng.fillUint32(words, 0, m);
    let p = 0;
    while (p < m) {
      const u = buf[p++];
      const hz = u >> 7;
      const iz = u & 127;
      let z: number;
      if (Math.abs(hz) < k[iz]) z = hz * w[iz];
      else {
        // Hand the chunk's position to the slow path (no closure over the hot loop's locals).
        cursor.p = p;
        cursor.m = m;
        cursor.rng = rng;
        z = slow(nextWord, hz, iz);
        p = cursor.p;
      }
      out[i++] = z * sd;
    }
  }
  return out;
}

const cursor: { p: number; m: number; rng: Random | null } = { p: 0, m: 0, rng: null };
function nextWord(): number {
  return cursor.p < cursor.m ? words[cursor.p++] : (cursor.rng as Random).nextUint32();
}

/** Fills `out` with uniform draws in [lo, hi) (float32), one 32-bit word each (drawn in bulk). */
export function fillUniform(out: Float32Array, rng: Random, lo = 0, hi = 1): Float32Array {
  const scale = (hi - lo) / 4294967296;
  for (let i = 0; i < out.length; i += CHUNK) {
    const m = Math.min(CHUNK, out.length - i);
    rng.fillUint32(words, 0, m);
    for (let j = 0; j < m; j++) out[i + j] = lo + words[j] * scale;
  }
  return out;
}
