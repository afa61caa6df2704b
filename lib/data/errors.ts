/**
 * Typed errors and warnings of the SPRINT data loader. An error names the
 * file, the line (as an editor shows it: header = line 1), the column and the
 * offending value, says what was expected, and what to do about it.
 */

/** What went wrong, for programs (tests, the CLI) to branch on. */
export type SprintDataErrorCode =
  | 'missing-file'
  | 'empty-file'
  | 'encoding'
  | 'delimiter'
  | 'missing-column'
  | 'bad-row'
  | 'not-numeric'
  | 'out-of-range'
  | 'bad-arm'
  | 'missing-value'
  | 'unknown-visit'
  | 'duplicate'
  | 'unknown-participant'
  | 'no-cohort'
  | 'bad-cohort-file';

export interface SprintDataErrorDetails {
  code: SprintDataErrorCode;
  /** Path of the file at fault. */
  file: string;
  /** 1-based line number in the file as an editor shows it (header = 1); undefined for whole-file problems. */
  row?: number;
  /** Column name at fault. */
  column?: string;
  /** The offending cell text (or value). */
  value?: string;
  /** What was expected. */
  expected?: string;
  /** What the user can do about it. */
  hint: string;
}

export class SprintDataError extends Error {
  readonly code: SprintDataErrorCode;
  readonly file: string;
  readonly row: number | undefined;
  readonly column: string | undefined;
  readonly value: string | undefined;
  readonly expected: string | undefined;
  readonly hint: string;

  constructor(problem: string, details: SprintDataErrorDetails) {
    super(formatMessage(problem, details));
    this.name = 'SprintDataError';
    this.code = details.code;
    this.file = details.file;
    this.row = details.row;
    this.column = details.column;
    this.value = details.value;
    this.expected = details.expected;
    this.hint = details.hint;
  }
}

function formatMessage(problem: string, d: SprintDataErrorDetails): string {
  const where = [d.file, d.row !== undefined ? `line ${d.row}` : '', d.column !== undefined ? `column ${d.column}` : '']
    .filter((s) => s !== '')
    .join(', ');
  const value = d.value !== undefined ? ` Found ${JSON.stringify(d.value)}.` : '';
  const expected = d.expected !== undefined ? ` Expected ${d.expected}.` : '';
  return `${where}: ${problem}.${value}${expected} ${d.hint}`;
}

/**
 * A recoverable oddity, aggregated over a whole file (one warning for all the
 * missing values of bp.csv, not one per row).
 */
export interface DataWarning {
  file: string;
  /** Short kind, e.g. 'missing-values', 'bom', 'missing-optional-columns'. */
  kind: string;
  /** Number of occurrences. */
  count: number;
  /** Count per column, where it applies. */
  byColumn?: Record<string, number>;
  /** Line of the first occurrence. */
  firstRow?: number;
  message: string;
}
