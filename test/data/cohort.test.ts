import { describe, expect, it } from 'vitest';
import { cohortFingerprint } from '../../lib/data/cohort';

describe('cohortFingerprint', () => {
  it('is 32-bit FNV-1a over the float32 bytes of x, then the labels (value from an independent Python FNV-1a)', () => {
    expect(cohortFingerprint({ n: 2, x: new Float32Array([0.5, 0.25, 1]), y: new Uint8Array([1, 0]) })).toBe('2:2c9fe11a');
  });

  it('hashes only the bytes of a view, and changes with any value or label', () => {
    const big = new Float32Array([9, 0.5, 0.25, 1, 9]);
    const y = new Uint8Array([1, 0]);
    expect(cohortFingerprint({ n: 2, x: big.subarray(1, 4), y })).toBe('2:2c9fe11a');
    expect(cohortFingerprint({ n: 2, x: new Float32Array([0.5, 0.25, 1.0000001]), y })).not.toBe('2:2c9fe11a');
    expect(cohortFingerprint({ n: 2, x: new Float32Array([0.5, 0.25, 1]), y: new Uint8Array([0, 1]) })).not.toBe('2:2c9fe11a');
  });
});
