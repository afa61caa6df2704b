/**
 * In-place iterative radix-2 complex FFT on split real/imaginary Float64Arrays.
 *
 *   forward:  X[k] = sum_n x[n] e^{-2 pi i k n / N}
 *   inverse:  x[n] = (1/N) sum_k X[k] e^{+2 pi i k n / N}
 *
 * Twiddle factors are computed directly with Math.cos / Math.sin (not by
 * recurrence), so each is accurate to ~1 ulp; the transform's error is then the
 * textbook O(u log2 N) relative error in the 2-norm.
 */

const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array }>();

function twiddles(n: number): { cos: Float64Array; sin: Float64Array } {
  let t = twiddleCache.get(n);
  if (!t) {
    const half = n >> 1;
    const cos = new Float64Array(half);
    const sin = new Float64Array(half);
    for (let k = 0; k < half; k++) {
      const a = (2 * Math.PI * k) / n;
      cos[k] = Math.cos(a);
      sin[k] = Math.sin(a);
    }
    t = { cos, sin };
    if (twiddleCache.size > 4) twiddleCache.clear();
    twiddleCache.set(n, t);
  }
  return t;
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** Transforms (re, im) in place. Length must be a power of two. */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (im.length !== n || !isPowerOfTwo(n)) throw new Error(`fft: length must be a power of two (got ${n})`);
  if (n === 1) return;
  // Bit-reversal permutation.
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  const { cos, sin } = twiddles(n);
  const sgn = inverse ? 1 : -1;
  // First two stages (len 2 and 4) without twiddle multiplications.
  for (let a = 0; a < n; a += 2) {
    const b = a + 1;
    const xr = re[b];
    const xi = im[b];
    re[b] = re[a] - xr;
    im[b] = im[a] - xi;
    re[a] += xr;
    im[a] += xi;
  }
  for (let len = 4; len <= n; len <<= 1) {
    const half = len >> 1;
    const step = n / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0, t = 0; k < half; k++, t += step) {
        const wr = cos[t];
        const wi = sgn * sin[t];
        const a = i + k;
        const b = a + half;
        const br = re[b];
        const bi = im[b];
        const xr = br * wr - bi * wi;
        const xi = br * wi + bi * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
  if (inverse) {
    const s = 1 / n;
    for (let i = 0; i < n; i++) {
      re[i] *= s;
      im[i] *= s;
    }
  }
}
