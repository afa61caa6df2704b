/** Small helpers shared by the builders: input checks and JSON-safe numbers. */
import { PlotError } from './errors';
import type { Datum } from './types';

/** Non-finite numbers become null (a gap), so the spec stays valid JSON. */
export function finiteOrNull(values: ArrayLike<number>): (number | null)[] {
  const out: (number | null)[] = [];
  for (let i = 0; i < values.length; i++) out.push(Number.isFinite(values[i]) ? values[i] : null);
  return out;
}

/** Throws a PlotError unless `values` has `length` entries. */
export function expectLength(what: string, values: ArrayLike<unknown> | undefined, length: number): void {
  if (!values || values.length !== length) {
    throw new PlotError(`${what}: expected ${length} values, got ${values ? values.length : 'none'}.`);
  }
}

/** Plain array copy (Float32Array and friends do not serialize as JSON arrays). */
export function toArray(values: ArrayLike<Datum>): Datum[] {
  return Array.from(values);
}
