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
function open01(rng: Random): number {
  return (rng.nextUint32() + 0.5) / 4294967296;
}

/** The slow path: wedges and tail (about 1.2% of draws). */
function slow(rng: Random, hz: number, iz: number): number {
  for (;;) {
    const x = hz * wn[iz];
    if (iz === 0) {
      // Tail beyond R (Marsaglia 1964).
      let xt: number;
      let yt: number;
      do {
        xt = -Math.log(open01(rng)) / R;
        yt = -Math.log(open01(rng));
      } while (yt + yt < xt * xt);
      return hz > 0 ? R + xt : -R - xt;
    }
    if (fn[iz] + open01(rng) * (fn[iz - 1] - fn[iz]) < Math.exp(-0.5 * x * x)) return x;
    const u = rng.nextUint32() | 0;
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
  return slow(rng, hz, iz);
}

/**
 * Fills `out` with N(0, sd^2) draws from `rng` (advancing it) and returns it.
 * Deterministic: the same generator state gives the same numbers.
 */
export function fillGaussian(out: Float32Array, rng: Random, sd = 1): Float32Array {
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const u = rng.nextUint32() | 0;
    const hz = u >> 7;
    const iz = u & 127;
    const z = (hz < 0 ? -hz : hz) < kn[iz] ? hz * wn[iz] : slow(rng, hz, iz);
    out[i] = z * sd;
  }
  return out;
}

/** Fills `out` with uniform draws in [lo, hi) (float32), one 32-bit word each. */
export function fillUniform(out: Float32Array, rng: Random, lo = 0, hi = 1): Float32Array {
  const scale = (hi - lo) / 4294967296;
  for (let i = 0; i < out.length; i++) out[i] = lo + rng.nextUint32() * scale;
  return out;
}
