/**
 * Seeded, splittable pseudo-random numbers shared by every random source of the
 * project (data simulator, weight init, noise, sampling, classifiers), so one
 * explicit seed reproduces a whole run.
 *
 * Generator: xoshiro128** (Blackman & Vigna, 2018), 128-bit state, period
 * 2^128 - 1, 32-bit outputs. The state is filled from the seed with splitmix32
 * so that nearby seeds (0, 1, 2, ...) give unrelated streams.
 *
 * Not cryptographic: the DP noise of a real release should come from a CSPRNG;
 * this generator is for reproducible experiments.
 *
 * ```ts
 * const rng = new Random(42);
 * rng.uniform();            // [0, 1)
 * rng.normal(120, 15);      // Gaussian
 * rng.int(0, 10);           // integer in [0, 10)
 * const noise = rng.derive('noise'); // independent stream named "noise"
 * ```
 */

/** splitmix32 step: returns [output, next state]. Used for seeding and hashing. */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [z >>> 0, next];
}

/** 32-bit FNV-1a hash of a string, used to name derived streams. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A seed: a finite number (its integer part; bits above 2^32 are mixed in) or a string (hashed). */
export type Seed = number | string;

function seedToUint32(seed: Seed): number {
  if (typeof seed === 'string') return hashString(seed);
  if (!Number.isFinite(seed)) throw new RangeError(`Random: seed must be a finite number, got ${seed}`);
  const t = Math.trunc(seed);
  const lo = t >>> 0;
  const hi = Math.floor(t / 4294967296) >>> 0;
  return (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
}

export class Random {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** The second Box-Muller variate, kept for the next normal() call. */
  private spareNormal: number | null = null;
  /** The seed word this generator was created from (used by derive()). */
  readonly seedWord: number;

  constructor(seed: Seed = 0) {
    this.seedWord = seedToUint32(seed);
    let st = this.seedWord;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [out, next] = splitmix32(st);
      words.push(out);
      st = next;
    }
    [this.s0, this.s1, this.s2, this.s3] = words;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Next raw 32-bit output as an unsigned integer in [0, 2^32). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /**
   * Fills `out[start..end)` with the next raw 32-bit outputs, exactly the
   * values that as many {@link nextUint32} calls would return (and advances
   * the generator the same way), ~10x faster: the state lives in locals for
   * the whole loop instead of object fields for every draw.
   */
  fillUint32(out: Uint32Array, start = 0, end = out.length): Uint32Array {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = start; i < end; i++) {
      const m = Math.imul(s1, 5);
      out[i] = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return out;
  }

  /**
   * Uniform double in [lo, hi) (default [0, 1)), with 53 random bits
   * (two 32-bit outputs: 27 + 26 bits).
   */
  uniform(lo = 0, hi = 1): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    const u = (a * 67108864 + b) / 9007199254740992;
    return lo + (hi - lo) * u;
  }

  /**
   * Gaussian N(mean, sd^2) by the Box-Muller transform: for U1 in (0, 1],
   * U2 in [0, 1), R = sqrt(-2 ln U1), the pair (R cos 2 pi U2, R sin 2 pi U2)
   * is two independent standard normals; the second is kept for the next call.
   */
  normal(mean = 0, sd = 1): number {
    let z: number;
    if (this.spareNormal !== null) {
      z = this.spareNormal;
      this.spareNormal = null;
    } else {
      const u1 = 1 - this.uniform(); // (0, 1]
      const u2 = this.uniform();
      const r = Math.sqrt(-2 * Math.log(u1));
      z = r * Math.cos(2 * Math.PI * u2);
      this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    }
    return mean + sd * z;
  }

  /** Uniform integer in [lo, hi) (hi exclusive), without modulo bias. */
  int(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi <= lo) {
      throw new RangeError(`Random.int: need integers lo < hi, got ${lo}, ${hi}`);
    }
    const range = hi - lo;
    if (range > 4294967296) return lo + Math.floor(this.uniform() * range);
    // Rejection sampling: accept only outputs below the largest multiple of range.
    const limit = 4294967296 - (4294967296 % range);
    let r = this.nextUint32();
    while (r >= limit) r = this.nextUint32();
    return lo + (r % range);
  }

  /** true with probability p. */
  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** Fisher-Yates shuffle, in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /**
   * A new independent generator seeded from this one's next outputs
   * (advances this generator). Use to hand a stream to a sub-task in order.
   */
  split(): Random {
    const a = this.nextUint32();
    const b = this.nextUint32();
    return new Random((a ^ Math.imul(b, 0x9e3779b1)) >>> 0);
  }

  /**
   * A generator for the named sub-stream: depends only on this generator's seed
   * and the name, not on how many numbers were drawn. `new Random(7).derive('noise')`
   * is the same stream every time, independent of `derive('init')`.
   */
  derive(name: string | number): Random {
    const key = typeof name === 'number' ? `#${name}` : name;
    const [mixed] = splitmix32((this.seedWord ^ hashString(key)) >>> 0);
    return new Random(mixed);
  }
}
