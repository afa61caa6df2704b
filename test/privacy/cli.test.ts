import { describe, expect, it } from 'vitest';
import { sprintGan } from '../cli';

const cli = (args: string[]) => sprintGan(['privacy', ...args]);

const PAPER = ['--q', String(1 / 6000), '--sigma', '1', '--steps', '3000000', '--delta', '1e-5'];
const PAPER_ORDERS = Array.from({ length: 32 }, (_, i) => i + 2).join(',');

describe('sprint-gan privacy', () => {
  it('reproduces the paper: moments accountant (orders 2..33, classic) 1.8934, improved 1.5968, PLD 1.4659', async () => {
    const r = await cli([...PAPER, '--orders', PAPER_ORDERS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/improved conversion: 1\.59676 +\(order 12\)/);
    expect(r.stdout).toMatch(/classic conversion: +1\.89342 +\(order 14\)/);
    expect(r.stdout).toMatch(/PLD accountant \(upper bound\): +1\.4658/);
    expect(r.stdout).toMatch(/^ {2}33 +2\.2586e\+7$/m);
  });

  it('--json has the documented keys', async () => {
    const r = await cli(['--q', '0.04', '--sigma', '1.5', '--steps', '2250', '--delta', '1e-5', '--json', '--no-pld']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j).sort()).toEqual(['delta', 'orders', 'pld', 'q', 'rdp', 'rdpClassic', 'rdpImproved', 'sigma', 'steps']);
    expect(j.orders).toHaveLength(156);
    expect(j.rdp).toHaveLength(156);
    expect(j.pld).toBeNull();
    expect(j.rdpImproved.epsilon).toBeCloseTo(7.32911117143, 7);
    expect(j.rdpClassic.epsilon).toBeGreaterThan(j.rdpImproved.epsilon);
  });

  it('--target-epsilon prints the calibrated sigma (and JSON calibration block)', async () => {
    const r = await cli(['--q', '0.01', '--steps', '1000', '--delta', '1e-5', '--target-epsilon', '2', '--no-pld', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.calibration.accountant).toBe('rdp');
    expect(j.calibration.epsilon).toBeLessThanOrEqual(2);
    expect(2 - j.calibration.epsilon).toBeLessThan(1e-3);
    expect(j.sigma).toBe(j.calibration.noiseMultiplier);
    const t = await cli(['--q', '0.01', '--steps', '1000', '--delta', '1e-5', '--target-epsilon', '2', '--no-pld']);
    expect(t.stdout).toMatch(/^calibrated sigma: \d/m);
  });

  it('--help documents the JSON keys', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const k of ['rdpImproved', 'rdpClassic', 'pld', 'calibration', 'orders']) expect(r.stdout).toContain(k);
  });

  it.each([
    [['--q', '1.5', '--sigma', '1', '--steps', '3', '--delta', '1e-5'], /Invalid q: 1\.5 \(expected a number in \(0, 1\]\)/],
    [['--q', '0.1', '--sigma', '1', '--steps=-4', '--delta', '1e-5'], /Invalid steps: -4 \(expected an integer >= 0\)/],
    [['--q', '0.1', '--sigma', '1', '--steps', '-4', '--delta', '1e-5'], /--steps=-XYZ/],
    [['--q', '0.1', '--sigma', '1', '--steps', '3', '--delta', '1'], /Invalid delta: 1 \(expected a number in \(0, 1\)\)/],
    [['--q', 'abc', '--sigma', '1', '--steps', '3', '--delta', '1e-5'], /Invalid q: "abc" \(expected a number\)/],
    [['--q', '0.1', '--sigma', '', '--steps', '3', '--delta', '1e-5'], /Invalid sigma: "" \(expected a number\)/],
    [['--q', '0x1', '--sigma', '1', '--steps', '3', '--delta', '1e-5'], /Invalid q: "0x1" \(expected a number\)/],
    [['--q', '0.1', '--steps', '3', '--delta', '1e-5'], /Invalid sigma: undefined \(missing\)/],
    [['--q', '0.1', '--sigma', '1', '--steps', '3', '--delta', '1e-5', '--bogus'], /Unknown option '--bogus'/],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    const r = await cli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});
