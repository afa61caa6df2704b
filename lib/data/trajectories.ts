/**
 * Per-arm median trajectories of a cohort (SBP, DBP, N_BPCLASSES by visit), in
 * raw units, and a small dependency-free SVG of them for notebooks (until
 * lib/plots offers a Plotly version).
 */
import { Cohort, MEASURES, N_FEATURES, N_VISITS, VISITS } from './cohort';

export interface ArmTrajectories {
  /** medians[arm][measure][visit], raw units; arm 0 standard, 1 intensive. */
  medians: number[][][];
  /** Patients per arm. */
  counts: [number, number];
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Median of each measure at each visit, per arm. */
export function armTrajectories(c: Cohort): ArmTrajectories {
  const counts: [number, number] = [0, 0];
  const medians: number[][][] = [];
  for (let arm = 0; arm < 2; arm++) {
    const rows: number[] = [];
    for (let i = 0; i < c.n; i++) if (c.y[i] === arm) rows.push(i);
    counts[arm] = rows.length;
    const perMeasure: number[][] = [];
    for (let m = 0; m < MEASURES.length; m++) {
      const perVisit: number[] = [];
      for (let v = 0; v < N_VISITS; v++) {
        perVisit.push(median(rows.map((i) => Math.round(c.x[i * N_FEATURES + m * N_VISITS + v] * c.maxima[m] * 1e4) / 1e4)));
      }
      perMeasure.push(perVisit);
    }
    medians.push(perMeasure);
  }
  return { medians, counts };
}

const ARM_COLORS = ['#1f77b4', '#d62728'];
const ARM_NAMES = ['standard', 'intensive'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** Three side-by-side line charts (SBP, DBP, N_BPCLASSES), one line per arm, as SVG text. */
export function trajectoriesSvg(t: ArmTrajectories, opts: { width?: number; height?: number; title?: string } = {}): string {
  const width = opts.width ?? 900;
  const height = opts.height ?? 260;
  const panelW = width / 3;
  const pad = { l: 42, r: 10, t: 34, b: 36 };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
  ];
  if (opts.title) parts.push(`<text x="${width / 2}" y="14" text-anchor="middle" font-size="13">${esc(opts.title)}</text>`);
  for (let m = 0; m < MEASURES.length; m++) {
    const x0 = m * panelW + pad.l;
    const w = panelW - pad.l - pad.r;
    const y0 = pad.t;
    const h = height - pad.t - pad.b;
    const values = [...t.medians[0][m], ...t.medians[1][m]].filter((v) => Number.isFinite(v));
    let lo = Math.min(...values);
    let hi = Math.max(...values);
    const margin = (hi - lo) * 0.1 || 1;
    lo = Math.floor(lo - margin);
    hi = Math.ceil(hi + margin);
    const px = (v: number): number => x0 + (v / (N_VISITS - 1)) * w;
    const py = (val: number): number => y0 + h - ((val - lo) / (hi - lo)) * h;
    parts.push(`<text x="${x0 + w / 2}" y="${y0 - 6}" text-anchor="middle" font-weight="bold">${MEASURES[m]} (median)</text>`);
    parts.push(`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
    for (const tick of [lo, (lo + hi) / 2, hi]) {
      parts.push(`<text x="${x0 - 4}" y="${py(tick) + 4}" text-anchor="end">${Math.round(tick * 10) / 10}</text>`);
    }
    for (let v = 0; v < N_VISITS; v += 2) {
      parts.push(`<text x="${px(v)}" y="${y0 + h + 14}" text-anchor="middle">${VISITS[v]}</text>`);
    }
    for (let arm = 0; arm < 2; arm++) {
      const pts = t.medians[arm][m].map((val, v) => `${px(v).toFixed(1)},${py(val).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${pts}" fill="none" stroke="${ARM_COLORS[arm]}" stroke-width="2"/>`);
    }
  }
  for (let arm = 0; arm < 2; arm++) {
    const x = pad.l + arm * 150;
    parts.push(`<line x1="${x}" y1="${height - 8}" x2="${x + 20}" y2="${height - 8}" stroke="${ARM_COLORS[arm]}" stroke-width="2"/>`);
    parts.push(`<text x="${x + 24}" y="${height - 4}">${ARM_NAMES[arm]} (n=${t.counts[arm]})</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
