/**
 * Small HTML renderers for notebooks (tslab.display.html): a plain table, the
 * calibration table, and one patient's 3 x 12 matrix.
 */
import { Cohort, MEASURES, N_FEATURES, N_VISITS, VISITS } from './cohort';
import { CalibrationRow } from './calibration';

function esc(v: unknown): string {
  return String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cell(v: string | number): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 3 : 2);
  return v;
}

/** An HTML table with a header row. */
export function htmlTable(columns: string[], rows: (string | number)[][]): string {
  const head = columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((v) => `<td>${esc(cell(v))}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** The calibration table: fact, target ± tolerance, generated, within tolerance. */
export function calibrationHtml(rows: CalibrationRow[]): string {
  return htmlTable(
    ['fact', 'target', 'tolerance', 'generated', 'ok', 'source'],
    rows.map((r) => [r.fact, r.target, `± ${cell(r.tolerance)}`, r.generated, r.ok ? 'yes' : 'NO', r.source]),
  );
}

/** Patient i of a cohort as a 3 x 12 table; raw units when `raw` (default), normalized otherwise. */
export function patientHtml(c: Cohort, i: number, raw = true): string {
  const rows = MEASURES.map((m, mi) => [
    m,
    ...VISITS.map((_, v) => {
      const x = c.x[i * N_FEATURES + mi * N_VISITS + v];
      return raw ? Math.round(x * c.maxima[mi] * 1e4) / 1e4 : Math.round(x * 1e4) / 1e4;
    }),
  ]);
  return htmlTable(['', ...VISITS], rows);
}
