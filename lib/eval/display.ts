/**
 * Tables of the evaluation as HTML (notebooks, `tslab.display.html`) and plain
 * text (CLI), and a JSON-safe form of fidelity reports (typed arrays become
 * plain arrays).
 */
import { MEASURES } from '../data/cohort';
import type { ClassifierName } from './classifiers/index';
import type { EpochChoice } from './epochs';
import type { FidelityReport } from './fidelity';
import type { EpochScore } from './score';
import type { TransferFidelity, TransferSource, TransferTable } from './transfer';

function esc(v: unknown): string {
  return String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'n/a';
  return v.toFixed(digits);
}

function html(columns: string[], rows: string[][], caption?: string): string {
  const head = columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((v, i) => `<td${i > 0 ? ' style="text-align:right"' : ''}>${esc(v)}</td>`).join('')}</tr>`).join('');
  return `<table>${caption ? `<caption>${esc(caption)}</caption>` : ''}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function text(columns: string[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const CLASSIFIER_LABELS: Record<ClassifierName, string> = {
  forest: 'Random forest',
  logistic: 'Logistic regression',
  svm: 'Linear SVM',
  knn: 'k-nearest neighbours (k=5)',
};

export const SOURCE_NAMES: Record<TransferSource, string> = {
  real: 'Real',
  nonPrivate: 'Synthetic, non-private',
  private: 'Synthetic, private',
};

/** Score table rows (optionally only some epochs, e.g. the chosen ones). */
function scoreRows(scores: readonly EpochScore[]): string[][] {
  return scores.map((s) => [String(s.epoch), fmt(s.forest), `${s.forestCorrect}/${s.nTest}`, fmt(s.logistic), `${s.logisticCorrect}/${s.nTest}`]);
}
const SCORE_COLUMNS = ['epoch', 'forest', 'correct', 'logistic', 'correct'];

export function scoreTableHtml(scores: readonly EpochScore[], caption?: string): string {
  return html(SCORE_COLUMNS, scoreRows(scores), caption);
}

export function scoreTableText(scores: readonly EpochScore[]): string {
  return text(SCORE_COLUMNS, scoreRows(scores));
}

function selectionRows(choice: EpochChoice, scores: readonly EpochScore[]): string[][] {
  const byEpoch = new Map(scores.map((s) => [s.epoch, s]));
  const acc = (epochs: number[], m: 'forest' | 'logistic'): string => {
    const vals = epochs.map((e) => byEpoch.get(e)?.[m]).filter((v): v is number => v !== undefined);
    return vals.length ? fmt(vals.reduce((a, b) => a + b, 0) / vals.length) : 'n/a';
  };
  const np = choice.nonPrivate;
  const p = choice.private;
  const row = (name: string, epochs: number[], privacy: string): string[] => [name, epochs.join(', '), acc(epochs, 'forest'), acc(epochs, 'logistic'), privacy];
  return [
    row('best by forest', [np.bestForest], 'not private'),
    row('best by logistic', [np.bestLogistic], 'not private'),
    row(`top ${np.topForest.length} by forest`, np.topForest, 'not private'),
    row(`top ${np.topLogistic.length} by logistic`, np.topLogistic, 'not private'),
    row('last epoch', [np.last], 'free (no scores used)'),
    row(`report-noisy-max, ${p.picks.length} picks on ${p.by}`, p.picks, `epsilon ${p.epsilonPerPick} x ${p.picks.length} = ${Number(p.epsilon.toPrecision(6))}`),
  ];
}
const SELECTION_COLUMNS = ['selection', 'epochs', 'mean forest', 'mean logistic', 'privacy cost'];

/** The selections with the mean scores of their epochs. */
export function selectionHtml(choice: EpochChoice, scores: readonly EpochScore[], caption?: string): string {
  return html(SELECTION_COLUMNS, selectionRows(choice, scores), caption);
}

export function selectionText(choice: EpochChoice, scores: readonly EpochScore[]): string {
  return text(SELECTION_COLUMNS, selectionRows(choice, scores));
}

/** Which test set a transfer table shows: the real holdout (the paper's) or the large test cohort. */
export type TransferTestSet = 'holdout' | 'large';

function transferRows(table: TransferTable, testSet: TransferTestSet): { columns: string[]; rows: string[][] } {
  if (testSet === 'large' && table.settings.nLargeTest === 0) throw new RangeError('transfer table: no large test set was scored');
  const sources = (['real', 'nonPrivate', 'private'] as const).filter((s) => table.cells.some((c) => c.source === s));
  const columns = ['classifier', ...sources.flatMap((s) => [`${SOURCE_NAMES[s]}: pooled`, `${SOURCE_NAMES[s]}: mean ± sd`])];
  const rows = table.settings.classifiers.map((name) => [
    CLASSIFIER_LABELS[name],
    ...sources.flatMap((s) => {
      const cell = table.cells.find((x) => x.source === s && x.classifier === name);
      const c = cell && (testSet === 'large' ? cell.large : cell);
      return c ? [fmt(c.pooled), `${fmt(c.mean)} ± ${fmt(c.sd)}`] : ['', ''];
    }),
  ]);
  return { columns, rows };
}

function transferCaption(table: TransferTable, testSet: TransferTestSet): string {
  const s = table.settings;
  const where = testSet === 'large' ? `${s.nLargeTest} patients of the large test cohort` : `${s.nTest} real held-out patients`;
  return (
    `Accuracy on ${where}. Pooled: one model on ${s.pooledSize} synthetic (real: ${s.nRealTrain}) patients; ` +
    `mean ± sd over ${s.repeats} models on ${s.subsetSize}-patient subsets.`
  );
}

/**
 * A warning for fits whose solver stopped at its iteration limit
 * ({@link Classifier.converged} false), one sentence per classifier that had
 * any; '' when every fit converged.
 */
export function unconvergedNote(counts: readonly { classifier: ClassifierName; unconverged: number; fits: number }[]): string {
  const parts = counts
    .filter((c) => c.unconverged > 0)
    .map((c) => `${CLASSIFIER_LABELS[c.classifier]}: ${c.unconverged} of ${c.fits} fit${c.fits === 1 ? '' : 's'} stopped at the solver's iteration limit before converging.`);
  if (parts.length === 0) return '';
  return `${parts.join(' ')} Such a model is an approximation: its accuracy depends on the seed, the limit and the solver's details, not only on the data (scikit-learn's LinearSVC does not converge on these unscaled values either, and warns).`;
}

function transferNote(table: TransferTable): string {
  return unconvergedNote(
    table.settings.classifiers.map((name) => {
      const cells = table.cells.filter((c) => c.classifier === name);
      return { classifier: name, unconverged: cells.reduce((a, c) => a + c.unconverged, 0), fits: cells.reduce((a, c) => a + 1 + c.repeats.length, 0) };
    }),
  );
}

/** Accuracy on the real holdout per classifier and source, and a warning for unconverged fits. */
/** The transfer table on one test set (default the real holdout), with a note for unconverged fits. */
export function transferTableHtml(table: TransferTable, caption?: string, testSet: TransferTestSet = 'holdout'): string {
  const { columns, rows } = transferRows(table, testSet);
  const note = transferNote(table);
  return html(columns, rows, caption ?? transferCaption(table, testSet)) + (note ? `<p>${esc(note)}</p>` : '');
}

export function transferTableText(table: TransferTable, testSet: TransferTestSet = 'holdout'): string {
  const { columns, rows } = transferRows(table, testSet);
  const note = transferNote(table);
  return `${transferCaption(table, testSet)}\n${text(columns, rows)}` + (note ? `\n\n${note}` : '');
}

function fidelityRows(entries: [string, TransferFidelity | FidelityReport][]): string[][] {
  const rows: string[][] = [];
  const report = (f: TransferFidelity | FidelityReport): FidelityReport => ('report' in f ? f.report : f);
  MEASURES.forEach((m, i) => {
    rows.push([`mean ${m}: real`, ...entries.map(([, f]) => fmt(report(f).realMeans[i], 2))]);
    rows.push([`mean ${m}: synthetic`, ...entries.map(([, f]) => fmt(report(f).syntheticMeans[i], 2))]);
  });
  MEASURES.forEach((m, i) => {
    rows.push([`within-arm sd ${m}: real`, ...entries.map(([, f]) => fmt(report(f).realSpread[i], 2))]);
    rows.push([`within-arm sd ${m}: synthetic`, ...entries.map(([, f]) => fmt(report(f).syntheticSpread[i], 2))]);
  });
  rows.push(['Spearman of the 630 feature correlations', ...entries.map(([, f]) => fmt(report(f).correlationSpearman))]);
  if (entries.some(([, f]) => 'report' in f)) {
    const sep = (f: TransferFidelity | FidelityReport, k: 'real' | 'synthetic'): string => ('report' in f ? fmt(f.armSeparability[k]) : 'n/a');
    rows.push(['arm separability (forest, half/half): real', ...entries.map(([, f]) => sep(f, 'real'))]);
    rows.push(['arm separability (forest, half/half): synthetic', ...entries.map(([, f]) => sep(f, 'synthetic'))]);
    const get = (f: TransferFidelity | FidelityReport, k: 'forestImportanceSpearman' | 'logisticCoefficientSpearman' | 'svmCoefficientSpearman'): string =>
      'report' in f ? fmt(f[k]) : 'n/a';
    rows.push(['Spearman of forest feature importances', ...entries.map(([, f]) => get(f, 'forestImportanceSpearman'))]);
    rows.push(['Spearman of logistic coefficients', ...entries.map(([, f]) => get(f, 'logisticCoefficientSpearman'))]);
    rows.push(['Spearman of SVM coefficients', ...entries.map(([, f]) => get(f, 'svmCoefficientSpearman'))]);
  }
  return rows;
}

/** Fidelity summary, one column per synthetic set (e.g. { 'non-private': ..., private: ... }). */
export function fidelityHtml(sets: Record<string, TransferFidelity | FidelityReport>, caption?: string): string {
  const entries = Object.entries(sets);
  return html(['statistic', ...entries.map(([k]) => k)], fidelityRows(entries), caption);
}

export function fidelityText(sets: Record<string, TransferFidelity | FidelityReport>): string {
  const entries = Object.entries(sets);
  return text(['statistic', ...entries.map(([k]) => k)], fidelityRows(entries));
}

/** A FidelityReport with plain arrays (JSON.stringify writes typed arrays as objects). */
export function fidelityJson(r: FidelityReport): Omit<FidelityReport, 'realCorrelation' | 'syntheticCorrelation'> & { realCorrelation: number[]; syntheticCorrelation: number[] } {
  return {
    ...r,
    realCorrelation: Array.from(r.realCorrelation, (v) => (Number.isNaN(v) ? (null as unknown as number) : v)),
    syntheticCorrelation: Array.from(r.syntheticCorrelation, (v) => (Number.isNaN(v) ? (null as unknown as number) : v)),
  };
}
