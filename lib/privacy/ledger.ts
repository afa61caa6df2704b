/**
 * Privacy budget ledger: everything a run spends on the real patients, composed
 * into one (epsilon, delta) statement that notebooks print.
 *
 * Entries:
 *  - DP-SGD training (Poisson-subsampled Gaussian, RDP of Mironov et al. 2019);
 *  - pure epsilon-DP mechanisms, e.g. the Laplace / report-noisy-max epoch
 *    selection of the evaluation step (each use is eps-DP); RDP of an eps-DP
 *    mechanism at order alpha is at most
 *      min(eps, (1/(alpha-1)) log((e^{alpha eps} + e^{(1-alpha) eps}) / (1 + e^eps)))  (<= alpha eps^2 / 2),
 *    see `rdpPureDp` (Bun & Steinke 2016 Prop. 3.3; Mironov 2017 Prop. 5);
 *  - (epsilon, delta)-DP mechanisms with no RDP curve (basic composition only).
 *
 * Two valid totals are computed and the smaller is reported:
 *  1. RDP route: sum the RDP curves of all DP-SGD and pure-DP entries at each
 *     order (composition is additive), convert ONCE with the improved conversion
 *     at delta' = delta - sum(approx-DP deltas), then add the approx-DP epsilons
 *     (basic composition of (eps1, d1) and (eps2, d2) gives (eps1+eps2, d1+d2)).
 *  2. Basic route (Dwork et al. 2006 basic composition): each DP-SGD entry gets
 *     an equal share of delta' and its own RDP epsilon; pure entries count
 *     eps * count; everything is summed.
 */
import { checkDelta, checkEpsilon, PrivacyArgumentError } from './errors';
import {
  computeRdp,
  DEFAULT_ORDERS,
  epsilonFromRdp,
  rdpPureDp,
} from './rdp';

export interface DpSgdEntryParams {
  q: number;
  noiseMultiplier: number;
  steps: number;
}

export type LedgerEntry =
  | ({ kind: 'dp-sgd'; name: string } & DpSgdEntryParams)
  | { kind: 'pure-dp'; name: string; epsilon: number; count: number }
  | { kind: 'approx-dp'; name: string; epsilon: number; delta: number; count: number };

export interface LedgerRow {
  name: string;
  kind: LedgerEntry['kind'];
  parameters: string;
  /** epsilon of this entry alone at the ledger's delta (approx-DP: its own eps * count). */
  epsilonAlone: number;
  /** delta the entry itself consumes (approx-DP only; 0 otherwise). */
  deltaSpent: number;
}

export interface LedgerReport {
  delta: number;
  rows: LedgerRow[];
  /** RDP route: composed in RDP, converted once (improved conversion). */
  rdpComposition: { epsilon: number; order: number | null };
  /** Basic composition route. */
  basicComposition: { epsilon: number };
  /** The reported (smaller, valid) epsilon and the route that gave it. */
  epsilon: number;
  method: 'rdp-composition' | 'basic-composition';
  orders: number[];
}

function fmt(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6)) return x.toExponential(3);
  return Number(x.toFixed(digits)).toString();
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export class PrivacyLedger {
  private readonly list: LedgerEntry[] = [];
  private readonly orders: number[];

  constructor(options: { orders?: readonly number[] } = {}) {
    this.orders = [...(options.orders ?? DEFAULT_ORDERS)];
  }

  /** All entries, in the order they were added. */
  get entries(): readonly LedgerEntry[] {
    return this.list;
  }

  private checkName(name: unknown): string {
    if (typeof name !== 'string' || name.trim() === '') throw new PrivacyArgumentError('name', name, 'a non-empty string');
    return name;
  }

  /** DP-SGD training: `steps` steps at Poisson rate q and noise multiplier sigma. */
  addDpSgd(name: string, p: DpSgdEntryParams): this {
    // computeRdp validates q, sigma, steps.
    computeRdp({ ...p, orders: [2] });
    this.list.push({ kind: 'dp-sgd', name: this.checkName(name), q: p.q, noiseMultiplier: p.noiseMultiplier, steps: p.steps });
    return this;
  }

  /** `count` uses of a pure epsilon-DP mechanism (Laplace, report-noisy-max, ...). */
  addPureDp(name: string, epsilon: number, count = 1): this {
    checkEpsilon(epsilon);
    if (!Number.isInteger(count) || count < 1) throw new PrivacyArgumentError('count', count, 'an integer >= 1');
    this.list.push({ kind: 'pure-dp', name: this.checkName(name), epsilon, count });
    return this;
  }

  /** `count` uses of an (epsilon, delta)-DP mechanism (basic composition only). */
  addApproxDp(name: string, epsilon: number, delta: number, count = 1): this {
    checkEpsilon(epsilon);
    checkDelta(delta);
    if (!Number.isInteger(count) || count < 1) throw new PrivacyArgumentError('count', count, 'an integer >= 1');
    this.list.push({ kind: 'approx-dp', name: this.checkName(name), epsilon, delta, count });
    return this;
  }

  /** Adds an entry as {@link entries} lists it (e.g. the cost a run folder recorded), validated like the add* methods. */
  add(e: LedgerEntry): this {
    switch (e.kind) {
      case 'dp-sgd':
        return this.addDpSgd(e.name, e);
      case 'pure-dp':
        return this.addPureDp(e.name, e.epsilon, e.count);
      case 'approx-dp':
        return this.addApproxDp(e.name, e.epsilon, e.delta, e.count);
      default:
        throw new PrivacyArgumentError('kind', (e as { kind: unknown }).kind, "'dp-sgd', 'pure-dp' or 'approx-dp'");
    }
  }

  private entryRdp(e: LedgerEntry): number[] | null {
    if (e.kind === 'dp-sgd') return computeRdp({ q: e.q, noiseMultiplier: e.noiseMultiplier, steps: e.steps, orders: this.orders });
    if (e.kind === 'pure-dp') return this.orders.map((a) => e.count * rdpPureDp(e.epsilon, a));
    return null;
  }

  /** Composed RDP curve of the RDP-capable entries (at `this.orders`). */
  rdp(): number[] {
    const total = this.orders.map(() => 0);
    for (const e of this.list) {
      const r = this.entryRdp(e);
      if (r) r.forEach((v, i) => (total[i] += v));
    }
    return total;
  }

  /** Full report at `delta`. */
  report(delta: number): LedgerReport {
    checkDelta(delta);
    const approx = this.list.filter((e): e is Extract<LedgerEntry, { kind: 'approx-dp' }> => e.kind === 'approx-dp');
    const approxDelta = approx.reduce((s, e) => s + e.delta * e.count, 0);
    const approxEps = approx.reduce((s, e) => s + e.epsilon * e.count, 0);
    const deltaRest = delta - approxDelta;
    const nSgd = this.list.filter((e) => e.kind === 'dp-sgd').length;

    const rows: LedgerRow[] = this.list.map((e) => {
      if (e.kind === 'dp-sgd') {
        const r = this.entryRdp(e) as number[];
        return {
          name: e.name,
          kind: e.kind,
          parameters: `q=${fmt(e.q, 6)}, sigma=${fmt(e.noiseMultiplier)}, steps=${e.steps}`,
          epsilonAlone: epsilonFromRdp(this.orders, r, delta, 'improved').epsilon,
          deltaSpent: 0,
        };
      }
      if (e.kind === 'pure-dp') {
        return { name: e.name, kind: e.kind, parameters: `epsilon=${fmt(e.epsilon)} x ${e.count}`, epsilonAlone: e.epsilon * e.count, deltaSpent: 0 };
      }
      return {
        name: e.name,
        kind: e.kind,
        parameters: `epsilon=${fmt(e.epsilon)}, delta=${fmt(e.delta)} x ${e.count}`,
        epsilonAlone: e.epsilon * e.count,
        deltaSpent: e.delta * e.count,
      };
    });

    let rdpComposition: LedgerReport['rdpComposition'];
    let basicComposition: LedgerReport['basicComposition'];
    if (!(deltaRest > 0)) {
      rdpComposition = { epsilon: Infinity, order: null };
      basicComposition = { epsilon: Infinity };
    } else {
      const hasRdp = this.list.some((e) => e.kind !== 'approx-dp');
      if (hasRdp) {
        const c = epsilonFromRdp(this.orders, this.rdp(), deltaRest, 'improved');
        rdpComposition = { epsilon: c.epsilon + approxEps, order: c.order };
      } else {
        rdpComposition = { epsilon: approxEps, order: null };
      }
      let basic = approxEps;
      for (const e of this.list) {
        if (e.kind === 'dp-sgd') {
          basic += epsilonFromRdp(this.orders, this.entryRdp(e) as number[], deltaRest / nSgd, 'improved').epsilon;
        } else if (e.kind === 'pure-dp') basic += e.epsilon * e.count;
      }
      basicComposition = { epsilon: basic };
    }
    const useRdp = rdpComposition.epsilon <= basicComposition.epsilon;
    return {
      delta,
      rows,
      rdpComposition,
      basicComposition,
      epsilon: Math.min(rdpComposition.epsilon, basicComposition.epsilon),
      method: useRdp ? 'rdp-composition' : 'basic-composition',
      orders: [...this.orders],
    };
  }

  /** The reported total epsilon at `delta` (the smaller of the two valid routes). */
  epsilon(delta: number): number {
    return this.report(delta).epsilon;
  }

  /** Plain-text table. */
  toText(delta: number): string {
    const r = this.report(delta);
    const header = ['mechanism', 'kind', 'parameters', 'epsilon alone'];
    const body = r.rows.map((row) => [row.name, row.kind, row.parameters, fmt(row.epsilonAlone)]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
    const out = [
      `Privacy budget at delta = ${fmt(delta)}`,
      line(header),
      widths.map((w) => '-'.repeat(w)).join('  '),
      ...body.map(line),
      '',
      `total, RDP composition (improved conversion${r.rdpComposition.order !== null ? `, order ${r.rdpComposition.order}` : ''}): epsilon = ${fmt(r.rdpComposition.epsilon)}`,
      `total, basic composition: epsilon = ${fmt(r.basicComposition.epsilon)}`,
      `reported: (epsilon = ${fmt(r.epsilon)}, delta = ${fmt(delta)}) by ${r.method}`,
    ];
    return out.join('\n');
  }

  /** HTML table (for notebook display). */
  toHtml(delta: number): string {
    const r = this.report(delta);
    const td = (s: string): string => `<td>${escapeHtml(s)}</td>`;
    const rows = r.rows
      .map((row) => `<tr>${td(row.name)}${td(row.kind)}${td(row.parameters)}<td style="text-align:right">${escapeHtml(fmt(row.epsilonAlone))}</td></tr>`)
      .join('');
    return (
      `<table class="privacy-ledger">` +
      `<caption>Privacy budget at &delta; = ${escapeHtml(fmt(delta))}</caption>` +
      `<thead><tr><th>mechanism</th><th>kind</th><th>parameters</th><th>&epsilon; alone</th></tr></thead>` +
      `<tbody>${rows}</tbody>` +
      `<tfoot>` +
      `<tr><td colspan="3">total, RDP composition (improved conversion)</td><td style="text-align:right">${escapeHtml(fmt(r.rdpComposition.epsilon))}</td></tr>` +
      `<tr><td colspan="3">total, basic composition</td><td style="text-align:right">${escapeHtml(fmt(r.basicComposition.epsilon))}</td></tr>` +
      `<tr><th colspan="3">reported (${escapeHtml(r.method)})</th><th style="text-align:right">${escapeHtml(fmt(r.epsilon))}</th></tr>` +
      `</tfoot></table>`
    );
  }

  /**
   * JSON-serializable form: entries plus the report at `delta`. When called by
   * `JSON.stringify(ledger)` (which passes a string key, not a delta) only the
   * entries are returned.
   */
  toJSON(delta?: number | string): { entries: LedgerEntry[]; report?: Omit<LedgerReport, 'orders'> } {
    const entries = this.list.map((e) => ({ ...e }));
    if (typeof delta !== 'number') return { entries };
    const { orders: _orders, ...report } = this.report(delta);
    return { entries, report };
  }
}
