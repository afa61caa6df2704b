/**
 * `sprint-gan privacy`: epsilon of a DP-SGD run by every accountant, or the
 * noise multiplier calibrated to a target epsilon.
 */
import type { Command } from '../main';
import { numberText, parseCommandArgs, usageError } from '../options';
import {
  calibrateNoiseMultiplier,
  computeRdp,
  DEFAULT_ORDERS,
  epsilonFromRdp,
  pldEpsilon,
  PrivacyArgumentError,
} from '../../lib/privacy';

const help = `Usage: sprint-gan privacy --q Q --sigma S --steps T --delta D [options]
       sprint-gan privacy --q Q --steps T --delta D --target-epsilon E [options]

Privacy of DP-SGD with Poisson sampling rate Q, noise multiplier S (noise std /
clipping norm) and T steps, at delta D (add/remove-one adjacency).

Prints the RDP of the run at the orders, epsilon by the RDP accountant with the
improved conversion (Canonne-Kamath-Steinke / Balle et al. 2020) and with the
classic conversion (the moments accountant of the paper), and by the PLD
accountant (an upper bound, with a rigorous lower bound next to it).

Options:
  --q Q                 Poisson sampling probability, in (0, 1] (batch size / dataset size)
  --sigma S             noise multiplier, > 0
  --steps T             number of steps, integer >= 0
  --delta D             delta, in (0, 1)
  --orders a,b,c        Renyi orders > 1 (default: dp_accounting's grid, 1.1..10.9, 11..63, 128..1024)
                        The paper's moments accountant: --orders 2,3,...,33 (integers 2..33)
  --target-epsilon E    print the smallest sigma with epsilon <= E instead (--sigma not needed)
  --accountant A        accountant for --target-epsilon: rdp (default) or pld
  --no-pld              skip the PLD accountant (it takes ~1 s)
  --fft-size N          PLD FFT size, a power of two (default 524288)
  --json                print JSON instead of text
  -h, --help            this text

Reproduce the paper (q = 1/6000, sigma 1, 3,000,000 steps, delta 1e-5):
  sprint-gan privacy --q 0.000166666666666667 --sigma 1 --steps 3000000 --delta 1e-5 --orders $(seq -s, 2 33)

JSON output (--json), keys:
  q, sigma, steps, delta     the inputs (numbers)
  orders                     the Renyi orders used (number[])
  rdp                        RDP of the whole run at each order (number[], same length as orders)
  rdpImproved                {epsilon, order}: RDP accountant, improved conversion, optimal order
  rdpClassic                 {epsilon, order}: RDP accountant, classic conversion eps = rdp + log(1/delta)/(order-1)
  pld                        {epsilon, epsilonLower, discretizationError, gridStep, fftSize} or null with --no-pld:
                             epsilon is an upper bound, epsilonLower a lower bound on the exact epsilon,
                             discretizationError = epsilon - epsilonLower
  calibration                only with --target-epsilon: {targetEpsilon, accountant, noiseMultiplier, epsilon}

Exit status: 0 on success, 2 on invalid arguments (message names the argument, the value and the valid range).`;

function parseNumber(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = numberText(raw);
  if (v === null) throw new PrivacyArgumentError(name, raw, 'a number');
  return v;
}

function required(name: string, v: number | undefined): number {
  if (v === undefined) throw new PrivacyArgumentError(name, undefined, `a value (pass --${name})`);
  return v;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e6)) return x.toExponential(4);
  return Number(x.toPrecision(6)).toString();
}

async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseCommandArgs(argv, {
      q: { type: 'string' },
      sigma: { type: 'string' },
      steps: { type: 'string' },
      delta: { type: 'string' },
      orders: { type: 'string' },
      'target-epsilon': { type: 'string' },
      accountant: { type: 'string' },
      'no-pld': { type: 'boolean' },
      'fft-size': { type: 'string' },
      json: { type: 'boolean' },
    });
  } catch (err) {
    return usageError('privacy', err, 'Run `sprint-gan privacy --help` for usage.');
  }
  try {
    const str = (k: string): string | undefined => values[k] as string | undefined;
    const q = required('q', parseNumber('q', str('q')));
    const steps = required('steps', parseNumber('steps', str('steps')));
    const delta = required('delta', parseNumber('delta', str('delta')));
    const targetEpsilon = parseNumber('target-epsilon', str('target-epsilon'));
    const fftSize = parseNumber('fft-size', str('fft-size'));
    const accountant = str('accountant') ?? 'rdp';
    if (accountant !== 'rdp' && accountant !== 'pld') throw new PrivacyArgumentError('accountant', accountant, "'rdp' or 'pld'");
    const orders = str('orders')
      ? str('orders')!.split(',').map((s, i) => required(`orders[${i}]`, parseNumber('orders', s)))
      : [...DEFAULT_ORDERS];

    let calibration: { targetEpsilon: number; accountant: string; noiseMultiplier: number; epsilon: number } | undefined;
    let sigma: number;
    if (targetEpsilon !== undefined) {
      sigma = calibrateNoiseMultiplier({ q, steps, delta, targetEpsilon, accountant, orders, fftSize });
      const epsilon =
        accountant === 'pld'
          ? pldEpsilon({ q, noiseMultiplier: sigma, steps, delta, fftSize }).epsilon
          : epsilonFromRdp(orders, computeRdp({ q, noiseMultiplier: sigma, steps, orders }), delta, 'improved').epsilon;
      calibration = { targetEpsilon, accountant, noiseMultiplier: sigma, epsilon };
    } else {
      sigma = required('sigma', parseNumber('sigma', str('sigma')));
    }

    const rdp = computeRdp({ q, noiseMultiplier: sigma, steps, orders });
    const rdpImproved = epsilonFromRdp(orders, rdp, delta, 'improved');
    const rdpClassic = epsilonFromRdp(orders, rdp, delta, 'classic');
    const pldResult = values['no-pld'] ? null : pldEpsilon({ q, noiseMultiplier: sigma, steps, delta, fftSize });
    const pld = pldResult
      ? {
          epsilon: pldResult.epsilon,
          epsilonLower: pldResult.epsilonLower,
          discretizationError: pldResult.discretizationError,
          gridStep: pldResult.details.gridStep,
          fftSize: pldResult.details.fftSize,
        }
      : null;

    if (values.json) {
      const out: Record<string, unknown> = { q, sigma, steps, delta, orders, rdp, rdpImproved, rdpClassic, pld };
      if (calibration) out.calibration = calibration;
      console.log(JSON.stringify(out, null, 2));
      return 0;
    }
    const lines: string[] = [];
    if (calibration) {
      lines.push(
        `calibrated sigma: ${fmt(calibration.noiseMultiplier)}  (smallest sigma with epsilon <= ${fmt(targetEpsilon!)} by the ${accountant.toUpperCase()} accountant; epsilon there = ${fmt(calibration.epsilon)})`,
        '',
      );
    }
    lines.push(`DP-SGD: q = ${fmt(q)}, sigma = ${fmt(sigma)}, steps = ${steps}, delta = ${fmt(delta)}`, '');
    lines.push('RDP of the run:', '  order        RDP');
    for (let i = 0; i < orders.length; i++) lines.push(`  ${String(orders[i]).padEnd(10)}   ${fmt(rdp[i])}`);
    lines.push('');
    lines.push(`epsilon, RDP accountant, improved conversion: ${fmt(rdpImproved.epsilon)}  (order ${rdpImproved.order})`);
    lines.push(`epsilon, RDP accountant, classic conversion:  ${fmt(rdpClassic.epsilon)}  (order ${rdpClassic.order})`);
    if (pld) {
      lines.push(
        `epsilon, PLD accountant (upper bound):       ${fmt(pld.epsilon)}  (exact value in [${fmt(pld.epsilonLower)}, ${fmt(pld.epsilon)}]; grid step ${fmt(pld.gridStep)}, FFT size ${pld.fftSize})`,
      );
    }
    console.log(lines.join('\n'));
    return 0;
  } catch (err) {
    if (err instanceof PrivacyArgumentError) {
      console.error(`sprint-gan privacy: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

export const command: Command = {
  summary: 'epsilon of a DP-SGD run (RDP and PLD accountants), or sigma for a target epsilon',
  help,
  run,
};
