/**
 * Timings of the privacy accountants (not a test: no assertions, run with
 * `npx tsx bench/privacy.ts`). The paper setting: q = 1/6000, sigma = 1,
 * 3,000,000 steps, delta = 1e-5.
 */
import { calibrateNoiseMultiplier, epsilonFor, PAPER_MOMENTS_ORDERS, pldEpsilon } from '../lib/privacy';

const PAPER = { q: 1 / 6000, noiseMultiplier: 1, steps: 3_000_000, delta: 1e-5 };

function time<T>(label: string, f: () => T, repeat = 3): T {
  let out: T = f(); // warm-up (JIT)
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    out = f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(58)} median ${times[Math.floor(times.length / 2)].toFixed(1).padStart(8)} ms   min ${times[0].toFixed(1).padStart(8)} ms`);
  return out;
}

function main(): void {
  const classic = time('RDP, orders 2..33, classic (paper moments accountant)', () =>
    epsilonFor({ ...PAPER, orders: PAPER_MOMENTS_ORDERS, conversion: 'classic' }),
  );
  const improved = time('RDP, default orders, improved conversion', () => epsilonFor(PAPER));
  for (const fftSize of [1 << 18, 1 << 19, 1 << 20]) {
    const r = time(`PLD, fftSize 2^${Math.log2(fftSize)}`, () => pldEpsilon({ ...PAPER, fftSize }));
    console.log(`    epsilon <= ${r.epsilon.toFixed(5)}, >= ${r.epsilonLower.toFixed(5)} (grid step ${r.details.gridStep.toExponential(2)})`);
  }
  time('calibrate sigma for epsilon 1.5 (RDP)', () => calibrateNoiseMultiplier({ q: PAPER.q, steps: PAPER.steps, delta: PAPER.delta, targetEpsilon: 1.5 }));
  console.log(`paper setting: RDP classic (orders 2..33) ${classic.toFixed(4)}, RDP improved ${improved.toFixed(4)}`);
}

// Only when run as a script: bench/index.ts requires every file to look for bench* exports.
if (require.main === module) main();
