/**
 * `rows` reordered by `values[row]`, ascending; rows with equal values keep
 * their order in `rows` (a stable sort). A least-significant-digit radix sort
 * on an order-preserving 64-bit key of each float64 (six passes of 11 bits),
 * O(n) where `Array.prototype.sort` with a comparator is O(n log n) calls.
 * -0 sorts before +0; the values must not be NaN. Returns a new array.
 */
export function orderByFloat64(values: Float64Array, rows: Int32Array): Int32Array {
  const n = rows.length;
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  // The key's low and high 32 bits, per position in `rows` (little-endian words).
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  let order = Int32Array.from(rows);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (!(r >= 0 && r < values.length)) throw new RangeError(`orderByFloat64: row ${r} is outside the ${values.length} values`);
    const l = words[2 * r];
    const h = words[2 * r + 1];
    // Negative numbers: every bit flipped (larger magnitude sorts first); others: the sign bit set.
    lo[i] = h & 0x80000000 ? ~l >>> 0 : l;
    hi[i] = h & 0x80000000 ? ~h >>> 0 : (h | 0x80000000) >>> 0;
  }
  let loOut = new Uint32Array(n);
  let hiOut = new Uint32Array(n);
  let orderOut = new Int32Array(n);
  const counts = new Int32Array(2048);
  for (let pass = 0; pass < 6; pass++) {
    const key = pass < 3 ? lo : hi;
    const shift = 11 * (pass % 3);
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(key[i] >>> shift) & 2047]++;
    let sum = 0;
    for (let c = 0; c < 2048; c++) {
      const k = counts[c];
      counts[c] = sum;
      sum += k;
    }
    for (let i = 0; i < n; i++) {
      const at = counts[(key[i] >>> shift) & 2047]++;
      loOut[at] = lo[i];
      hiOut[at] = hi[i];
      orderOut[at] = order[i];
    }
    [lo, loOut] = [loOut, lo];
    [hi, hiOut] = [hiOut, hi];
    [order, orderOut] = [orderOut, order];
  }
  return order;
}
