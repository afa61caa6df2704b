import { describe, expect, it } from 'vitest';
import { computeRdp, DEFAULT_ORDERS, epsilonFor, epsilonFromRdp, PrivacyArgumentError, PrivacyLedger, rdpPureDp } from '../../lib/privacy';

const SGD = { q: 1 / 6000, noiseMultiplier: 1, steps: 3_000_000 };

describe('PrivacyLedger', () => {
  it('a ledger with only DP-SGD reports the RDP accountant epsilon', () => {
    const l = new PrivacyLedger().addDpSgd('training', SGD);
    expect(l.epsilon(1e-5)).toBeCloseTo(epsilonFor({ ...SGD, delta: 1e-5 }), 12);
  });

  it('composes DP-SGD and report-noisy-max selections in RDP, converting once', () => {
    const l = new PrivacyLedger().addDpSgd('training', SGD).addPureDp('epoch selection', 0.1, 5);
    const r = l.report(1e-5);
    // independent recomputation of the RDP route
    const rdp = computeRdp({ ...SGD, orders: DEFAULT_ORDERS }).map((v, i) => v + 5 * rdpPureDp(0.1, DEFAULT_ORDERS[i]));
    expect(r.rdpComposition.epsilon).toBeCloseTo(epsilonFromRdp(DEFAULT_ORDERS, rdp, 1e-5).epsilon, 12);
    // basic route = DP-SGD alone + 5 * 0.1
    expect(r.basicComposition.epsilon).toBeCloseTo(epsilonFor({ ...SGD, delta: 1e-5 }) + 0.5, 12);
    expect(r.epsilon).toBe(Math.min(r.rdpComposition.epsilon, r.basicComposition.epsilon));
    // composing in RDP beats adding 0.5 here
    expect(r.method).toBe('rdp-composition');
    expect(r.epsilon).toBeLessThan(r.basicComposition.epsilon);
    expect(r.epsilon).toBeGreaterThan(epsilonFor({ ...SGD, delta: 1e-5 }));
  });

  it('a single large pure-DP entry is reported by basic composition (RDP cannot beat eps * count)', () => {
    const l = new PrivacyLedger().addPureDp('histogram', 1);
    expect(l.epsilon(1e-5)).toBeCloseTo(1, 12);
  });

  it('(epsilon, delta) entries use basic composition and consume delta', () => {
    const l = new PrivacyLedger().addDpSgd('training', SGD).addApproxDp('release', 0.2, 1e-6);
    const r = l.report(1e-5);
    expect(r.rdpComposition.epsilon).toBeCloseTo(epsilonFor({ ...SGD, delta: 9e-6 }) + 0.2, 12);
    expect(new PrivacyLedger().addApproxDp('x', 1, 1e-5).epsilon(1e-5)).toBe(Infinity);
  });

  it('renders text, HTML and JSON', () => {
    const l = new PrivacyLedger().addDpSgd('DP-SGD training', SGD).addPureDp('epoch <selection>', 0.1, 2);
    const text = l.toText(1e-5);
    expect(text).toContain('Privacy budget at delta = 1.000e-5');
    expect(text).toMatch(/DP-SGD training\s+dp-sgd\s+q=1\.667e-4, sigma=1, steps=3000000\s+1\.5968/);
    expect(text).toContain('reported: (epsilon = ');
    const html = l.toHtml(1e-5);
    expect(html.startsWith('<table class="privacy-ledger">')).toBe(true);
    expect(html).toContain('epoch &lt;selection&gt;');
    expect((html.match(/<tr>/g) ?? []).length).toBe(1 + 2 + 3);
    const json = JSON.parse(JSON.stringify(l.toJSON(1e-5)));
    expect(json.entries).toHaveLength(2);
    expect(json.entries[1]).toEqual({ kind: 'pure-dp', name: 'epoch <selection>', epsilon: 0.1, count: 2 });
    expect(json.report.epsilon).toBeCloseTo(l.epsilon(1e-5), 12);
    expect(json.report.method).toBe('rdp-composition');
    // JSON.stringify(ledger) calls toJSON with a key: entries only
    expect(JSON.parse(JSON.stringify(l))).toEqual({ entries: json.entries });
  });

  it("takes back the entries it lists (a run's recorded cost), with the same validation", () => {
    const a = new PrivacyLedger().addDpSgd('training', SGD).addPureDp('selection', 0.05, 10).addApproxDp('other', 0.1, 1e-7, 2);
    const b = new PrivacyLedger();
    for (const e of JSON.parse(JSON.stringify(a.entries))) b.add(e);
    expect(b.entries).toEqual(a.entries);
    expect(b.report(1e-5)).toEqual(a.report(1e-5));
    expect(() => b.add({ kind: 'dp-sgd', name: 'x', q: 2, noiseMultiplier: 1, steps: 1 })).toThrow(PrivacyArgumentError);
    expect(() => b.add({ kind: 'pure-dp', name: 'x', epsilon: 1, count: 0 })).toThrow(/Invalid count: 0/);
    expect(() => b.add({ kind: 'laplace', name: 'x' } as never)).toThrow(/Invalid kind: "?laplace/);
  });

  it('validates its inputs', () => {
    const l = new PrivacyLedger();
    expect(() => l.addDpSgd('x', { q: 2, noiseMultiplier: 1, steps: 1 })).toThrow(PrivacyArgumentError);
    expect(() => l.addPureDp('x', -1)).toThrow(/Invalid epsilon: -1/);
    expect(() => l.addPureDp('x', 1, 0)).toThrow(/Invalid count: 0/);
    expect(() => l.addPureDp('', 1)).toThrow(/Invalid name/);
    expect(() => l.epsilon(0)).toThrow(/Invalid delta: 0/);
  });
});
