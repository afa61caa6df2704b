import { describe, expect, it } from 'vitest';
import { calibrateNoiseMultiplier, epsilonFor, OPACUS_ORDERS, pldEpsilon, PrivacyArgumentError } from '../../lib/privacy';

describe('calibrateNoiseMultiplier', () => {
  it.each([
    [0.01, 1000, 1e-5, 1],
    [0.01, 1000, 1e-5, 4],
    [1 / 6000, 3_000_000, 1e-5, 1.5],
    [1, 10, 1e-6, 2],
  ])('round trip q=%s steps=%s delta=%s target=%s (within 1e-3, never above the target)', (q, steps, delta, targetEpsilon) => {
    const sigma = calibrateNoiseMultiplier({ q, steps, delta, targetEpsilon });
    const eps = epsilonFor({ q, noiseMultiplier: sigma, steps, delta });
    expect(eps).toBeLessThanOrEqual(targetEpsilon);
    expect(targetEpsilon - eps).toBeLessThan(1e-3);
  });

  it('agrees with Opacus get_noise_multiplier (eps 8, delta 1e-5, q 0.04, 90 epochs -> 1.425307617)', () => {
    // pytorch/opacus opacus/tests/accountants_test.py test_get_noise_multiplier. Opacus stops its
    // bisection early (epsilon_tolerance), so its sigma is larger than the smallest one. Note: at
    // 1.425307617 the RDP epsilon (improved conversion, the same accountant that reproduces their
    // 7.32911117143 above) is 7.919, not within their 0.01 tolerance of 8, so that vector cannot
    // be matched exactly; we check it is feasible and that ours is smaller.
    const sigma = calibrateNoiseMultiplier({ q: 0.04, steps: 2250, delta: 1e-5, targetEpsilon: 8, orders: OPACUS_ORDERS });
    const opacus = 1.425307617;
    expect(sigma).toBeLessThanOrEqual(opacus);
    const epsOpacus = epsilonFor({ q: 0.04, noiseMultiplier: opacus, steps: 2250, delta: 1e-5, orders: OPACUS_ORDERS });
    expect(epsOpacus).toBeLessThanOrEqual(8);
    expect(epsOpacus).toBeCloseTo(7.91895, 4);
  });

  it('with the PLD accountant gives a smaller sigma meeting the same target', () => {
    const p = { q: 0.01, steps: 1000, delta: 1e-5, targetEpsilon: 2 };
    const rdp = calibrateNoiseMultiplier(p);
    const pld = calibrateNoiseMultiplier({ ...p, accountant: 'pld', fftSize: 1 << 14, tolerance: 1e-3 });
    expect(pld).toBeLessThan(rdp);
    const eps = pldEpsilon({ q: p.q, noiseMultiplier: pld, steps: p.steps, delta: p.delta, fftSize: 1 << 14 }).epsilon;
    expect(eps).toBeLessThanOrEqual(2);
    expect(2 - eps).toBeLessThan(1e-3);
  });

  it('rejects bad arguments', () => {
    const ok = { q: 0.01, steps: 100, delta: 1e-5, targetEpsilon: 1 };
    expect(() => calibrateNoiseMultiplier({ ...ok, targetEpsilon: 0 })).toThrow(PrivacyArgumentError);
    expect(() => calibrateNoiseMultiplier({ ...ok, targetEpsilon: NaN })).toThrow(/Invalid targetEpsilon: NaN/);
    expect(() => calibrateNoiseMultiplier({ ...ok, steps: 0 })).toThrow(/Invalid steps: 0/);
    expect(() => calibrateNoiseMultiplier({ ...ok, q: -1 })).toThrow(/Invalid q: -1/);
  });
});
