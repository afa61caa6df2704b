import { Random } from '../../lib/random';

/** Two Gaussian blobs in d dimensions, centres at -gap/2 and +gap/2 on every axis; row-major. */
export function blobs(n: number, d: number, gap: number, seed: number): { x: Float64Array; y: Uint8Array } {
  const rng = new Random(seed);
  const x = new Float64Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    const centre = (y[i] === 1 ? 1 : -1) * (gap / 2);
    for (let j = 0; j < d; j++) x[i * d + j] = centre + rng.normal();
  }
  return { x, y };
}
