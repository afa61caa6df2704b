/**
 * Validated loader of the SPRINT release files (baseline.csv, bp.csv), for the
 * real data (BioLINCC / NEJM SPRINT Challenge) and the embedded synthetic
 * cohort alike.
 *
 * The files are parsed by ./csv.ts rather than by danfo's readCSV so that every
 * error can name the editor line and the raw text of the bad cell; danfo
 * DataFrames of the validated tables are available from {@link toDataFrame}
 * for display and exploration.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPackage } from '../host';
import { CsvText, parseCsv } from './csv';
import { DataWarning, SprintDataError } from './errors';
import {
  ALL_VISIT_CODES,
  BASELINE_COLUMNS,
  BASELINE_FILE,
  BASELINE_RANGES,
  BP_COLUMNS,
  BP_FILE,
  BP_RANGES,
  ValueRange,
  VisitCode,
} from './format';

/** Validated bp.csv, column-wise, in file order. Missing values are NaN. */
export interface BpTable {
  file: string;
  maskId: string[];
  visitCode: VisitCode[];
  sbp: Float64Array;
  dbp: Float64Array;
  nBpClasses: Float64Array;
  /** Editor line number of each row (header = 1). */
  line: Int32Array;
}

/** Validated baseline.csv. Numeric columns as Float64Array (NaN = missing), RACE4 and MASKID as text. */
export interface BaselineTable {
  file: string;
  maskId: string[];
  /** Arm: 0 standard, 1 intensive. */
  intensive: Uint8Array;
  /** Every column of the file (the known numeric ones parsed), in file order. */
  columns: Record<string, Float64Array | string[]>;
  columnNames: string[];
  line: Int32Array;
}

export interface SprintTables {
  baseline: BaselineTable;
  bp: BpTable;
  /** Recoverable oddities, at most one per kind and file. */
  warnings: DataWarning[];
}

const MISSING_TOKENS = new Set(['', 'NA', 'NaN', 'nan', 'N/A', 'NULL', 'null', '.']);
const TEXT_COLUMNS = new Set(['MASKID', 'RACE4', 'VISITCODE']);
const VISIT_SET = new Set<string>(ALL_VISIT_CODES);

function readBytes(file: string, what: string): Promise<Uint8Array> {
  return fs.promises.readFile(file).catch((err: NodeJS.ErrnoException) => {
    const dir = path.dirname(file);
    throw new SprintDataError(
      err.code === 'ENOENT' ? 'the file does not exist' : `the file cannot be read (${err.code ?? err.message})`,
      {
        code: 'missing-file',
        file,
        expected: what,
        hint:
          `Put ${BASELINE_FILE} and ${BP_FILE} of the SPRINT release in ${dir}, ` +
          'or unset SPRINT_DATA_DIR to use the embedded synthetic cohort.',
      },
    );
  });
}

function columnIndex(csv: CsvText, name: string, required: boolean): number {
  const idx = csv.header.indexOf(name);
  if (idx < 0 && required) {
    const near = csv.header.find((h) => h.toUpperCase() === name.toUpperCase() || h.replace(/\W/g, '') === name);
    throw new SprintDataError(`the column ${name} is missing`, {
      code: 'missing-column',
      file: csv.file,
      row: 1,
      column: name,
      value: csv.header.join(','),
      expected: `a header with ${name}`,
      hint: near
        ? `The header has "${near}"; rename it to ${name}.`
        : 'Use the file from the SPRINT release unchanged (its header names the columns).',
    });
  }
  return idx;
}

/** Counts missing cells per column for the aggregated warning. */
class MissingCounter {
  byColumn: Record<string, number> = {};
  rows = 0;
  firstRow: number | undefined;
  count = 0;
  private lastRow = -1;
  add(column: string, row: number): void {
    this.byColumn[column] = (this.byColumn[column] ?? 0) + 1;
    this.count++;
    if (this.firstRow === undefined) this.firstRow = row;
    if (row !== this.lastRow) {
      this.rows++;
      this.lastRow = row;
    }
  }
  warning(file: string, consequence: string): DataWarning | undefined {
    if (this.count === 0) return undefined;
    const cols = Object.entries(this.byColumn)
      .map(([c, k]) => `${c} ${k}`)
      .join(', ');
    return {
      file,
      kind: 'missing-values',
      count: this.count,
      byColumn: { ...this.byColumn },
      firstRow: this.firstRow,
      message: `${file}: ${this.count} missing value${this.count === 1 ? '' : 's'} in ${this.rows} row${
        this.rows === 1 ? '' : 's'
      } (${cols}; first at line ${this.firstRow}). ${consequence}`,
    };
  }
}

function parseNumber(
  csv: CsvText,
  r: number,
  column: string,
  text: string,
  range: ValueRange | undefined,
  missing: MissingCounter,
): number {
  const t = text.trim();
  if (MISSING_TOKENS.has(t)) {
    missing.add(column, csv.lines[r]);
    return NaN;
  }
  const v = Number(t);
  if (!Number.isFinite(v) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
    throw new SprintDataError('the value is not a number', {
      code: 'not-numeric',
      file: csv.file,
      row: csv.lines[r],
      column,
      value: text,
      expected: range ? `${range.what}, a number` : 'a number',
      hint: `Correct that cell (leave it empty if the value is unknown).`,
    });
  }
  if (range && (v < range.min || v > range.max || (range.integer && !Number.isInteger(v)))) {
    throw new SprintDataError('the value is out of range', {
      code: 'out-of-range',
      file: csv.file,
      row: csv.lines[r],
      column,
      value: text,
      expected: `${range.what}, ${range.integer ? 'a whole number ' : ''}between ${range.min} and ${range.max}`,
      hint: 'Correct that cell (a typo or a unit mix-up?), or leave it empty if the value is unknown.',
    });
  }
  return v;
}

function parseMaskId(csv: CsvText, r: number, text: string): string {
  const t = text.trim();
  if (t === '') {
    throw new SprintDataError('the participant id is empty', {
      code: 'missing-value',
      file: csv.file,
      row: csv.lines[r],
      column: 'MASKID',
      value: text,
      expected: 'a participant id such as S00007',
      hint: 'Fill in the MASKID of that row or remove the row.',
    });
  }
  return t;
}

/** Validates baseline.csv text. */
export function parseBaseline(csv: CsvText): { table: BaselineTable; warnings: DataWarning[] } {
  const warnings = [...csv.warnings];
  const iMask = columnIndex(csv, 'MASKID', true);
  const iArm = columnIndex(csv, 'INTENSIVE', true);
  const absent = BASELINE_COLUMNS.filter((c) => !csv.header.includes(c));
  if (absent.length > 0) {
    warnings.push({
      file: csv.file,
      kind: 'missing-optional-columns',
      count: absent.length,
      message: `${csv.file}: ${absent.length} column${absent.length === 1 ? '' : 's'} of the release ${
        absent.length === 1 ? 'is' : 'are'
      } absent (${absent.join(', ')}); the pipeline does not use ${absent.length === 1 ? 'it' : 'them'}.`,
    });
  }
  if (csv.records.length === 0) {
    throw new SprintDataError('the file has a header but no participants', {
      code: 'empty-file',
      file: csv.file,
      expected: 'one row per participant',
      hint: 'Copy the file again from the SPRINT release; it may have been truncated.',
    });
  }
  const n = csv.records.length;
  const missing = new MissingCounter();
  const columns: Record<string, Float64Array | string[]> = {};
  const maskId: string[] = new Array(n);
  const intensive = new Uint8Array(n);
  const seen = new Map<string, number>();
  for (let c = 0; c < csv.header.length; c++) {
    const name = csv.header[c];
    if (name === 'MASKID') continue;
    if (TEXT_COLUMNS.has(name)) {
      columns[name] = csv.records.map((rec) => rec[c]);
      continue;
    }
    const range = BASELINE_RANGES[name as keyof typeof BASELINE_RANGES];
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) out[r] = parseNumber(csv, r, name, csv.records[r][c], range, missing);
    columns[name] = out;
  }
  const arm = columns['INTENSIVE'] as Float64Array;
  for (let r = 0; r < n; r++) {
    const id = parseMaskId(csv, r, csv.records[r][iMask]);
    const prev = seen.get(id);
    if (prev !== undefined) {
      throw new SprintDataError(`participant ${id} appears twice (first at line ${prev})`, {
        code: 'duplicate',
        file: csv.file,
        row: csv.lines[r],
        column: 'MASKID',
        value: id,
        expected: 'one row per participant',
        hint: 'Remove the duplicated row.',
      });
    }
    seen.set(id, csv.lines[r]);
    maskId[r] = id;
    const a = arm[r];
    if (a !== 0 && a !== 1) {
      throw new SprintDataError('the treatment arm is not 0 or 1', {
        code: 'bad-arm',
        file: csv.file,
        row: csv.lines[r],
        column: 'INTENSIVE',
        value: csv.records[r][iArm],
        expected: '0 (standard, SBP < 140) or 1 (intensive, SBP < 120)',
        hint: 'Every participant needs an arm; correct that cell.',
      });
    }
    intensive[r] = a;
  }
  columns['MASKID'] = maskId;
  const w = missing.warning(csv.file, 'Baseline covariates are not used by the preprocessing.');
  if (w) warnings.push(w);
  return {
    table: { file: csv.file, maskId, intensive, columns, columnNames: csv.header.slice(), line: Int32Array.from(csv.lines) },
    warnings,
  };
}

/** Validates bp.csv text against the participants of baseline.csv. */
export function parseBp(csv: CsvText, baseline: BaselineTable): { table: BpTable; warnings: DataWarning[] } {
  const warnings = [...csv.warnings];
  const idx = BP_COLUMNS.map((c) => columnIndex(csv, c, true));
  const [iMask, iVisit, iSbp, iDbp, iMeds] = idx;
  if (csv.records.length === 0) {
    throw new SprintDataError('the file has a header but no visits', {
      code: 'empty-file',
      file: csv.file,
      expected: 'one row per participant and visit',
      hint: 'Copy the file again from the SPRINT release; it may have been truncated.',
    });
  }
  const n = csv.records.length;
  const known = new Set(baseline.maskId);
  const missing = new MissingCounter();
  const table: BpTable = {
    file: csv.file,
    maskId: new Array(n),
    visitCode: new Array(n),
    sbp: new Float64Array(n),
    dbp: new Float64Array(n),
    nBpClasses: new Float64Array(n),
    line: Int32Array.from(csv.lines),
  };
  const seen = new Map<string, number>();
  for (let r = 0; r < n; r++) {
    const rec = csv.records[r];
    const line = csv.lines[r];
    const id = parseMaskId(csv, r, rec[iMask]);
    if (!known.has(id)) {
      throw new SprintDataError(`participant ${id} is not in ${path.basename(baseline.file)}`, {
        code: 'unknown-participant',
        file: csv.file,
        row: line,
        column: 'MASKID',
        value: rec[iMask],
        expected: `a MASKID listed in ${baseline.file}`,
        hint: 'Use baseline.csv and bp.csv from the same release, or remove the rows of that participant.',
      });
    }
    const code = rec[iVisit].trim();
    if (!VISIT_SET.has(code)) {
      throw new SprintDataError('unknown visit code', {
        code: 'unknown-visit',
        file: csv.file,
        row: line,
        column: 'VISITCODE',
        value: rec[iVisit],
        expected: `one of ${ALL_VISIT_CODES.join(', ')}`,
        hint: 'Correct the visit code of that row.',
      });
    }
    const key = id + '|' + code;
    const prev = seen.get(key);
    if (prev !== undefined) {
      throw new SprintDataError(`participant ${id} has visit ${code} twice (first at line ${prev})`, {
        code: 'duplicate',
        file: csv.file,
        row: line,
        column: 'VISITCODE',
        value: code,
        expected: 'one row per participant and visit',
        hint: 'Remove the duplicated row (or fix its visit code).',
      });
    }
    seen.set(key, line);
    table.maskId[r] = id;
    table.visitCode[r] = code as VisitCode;
    table.sbp[r] = parseNumber(csv, r, 'SBP', rec[iSbp], BP_RANGES.SBP, missing);
    table.dbp[r] = parseNumber(csv, r, 'DBP', rec[iDbp], BP_RANGES.DBP, missing);
    table.nBpClasses[r] = parseNumber(csv, r, 'N_BPCLASSES', rec[iMeds], BP_RANGES.N_BPCLASSES, missing);
  }
  const w = missing.warning(
    csv.file,
    'A participant with a missing value at one of the 12 study visits (RZ..27M) is left out of the cohort, as in the original preprocessing.',
  );
  if (w) warnings.push(w);
  return { table, warnings };
}

/**
 * Loads and validates `baseline.csv` and `bp.csv` from `dir`. Throws a
 * {@link SprintDataError} on the first problem; returns recoverable oddities
 * as aggregated warnings.
 */
export async function loadSprint(dir: string): Promise<SprintTables> {
  const baselineFile = path.join(dir, BASELINE_FILE);
  const bpFile = path.join(dir, BP_FILE);
  const [baselineBytes, bpBytes] = await Promise.all([
    readBytes(baselineFile, 'baseline.csv, one row per participant'),
    readBytes(bpFile, 'bp.csv, one row per participant and visit'),
  ]);
  return parseSprint(baselineFile, baselineBytes, bpFile, bpBytes);
}

/** Synchronous core of {@link loadSprint}, for bytes already in memory. */
export function parseSprint(
  baselineFile: string,
  baselineBytes: Uint8Array,
  bpFile: string,
  bpBytes: Uint8Array,
): SprintTables {
  const b = parseBaseline(parseCsv(baselineFile, baselineBytes));
  const p = parseBp(parseCsv(bpFile, bpBytes), b.table);
  return { baseline: b.table, bp: p.table, warnings: [...b.warnings, ...p.warnings] };
}

/** Reads the two files synchronously (for the CLI and scripts). */
export function loadSprintSync(dir: string): SprintTables {
  const read = (file: string, what: string): Uint8Array => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new SprintDataError(e.code === 'ENOENT' ? 'the file does not exist' : `the file cannot be read (${e.code ?? e.message})`, {
        code: 'missing-file',
        file,
        expected: what,
        hint: `Put ${BASELINE_FILE} and ${BP_FILE} of the SPRINT release in ${dir}, or unset SPRINT_DATA_DIR to use the embedded synthetic cohort.`,
      });
    }
  };
  const baselineFile = path.join(dir, BASELINE_FILE);
  const bpFile = path.join(dir, BP_FILE);
  return parseSprint(baselineFile, read(baselineFile, 'baseline.csv'), bpFile, read(bpFile, 'bp.csv'));
}

/**
 * A danfo DataFrame of a validated table (for `.head()`, `.shape`,
 * `.describe()` in notebooks). danfojs-node is loaded on first use (~1.5 s);
 * it runs its own tfjs copy, so pass plain arrays, never tensors, between it
 * and our models.
 */
export function toDataFrame(table: BaselineTable | BpTable): import('danfojs-node').DataFrame {
  const dfd = loadPackage<typeof import('danfojs-node')>('danfojs-node');
  const data: Record<string, (number | string)[]> = {};
  if ('visitCode' in table) {
    data.MASKID = table.maskId;
    data.VISITCODE = table.visitCode;
    data.SBP = Array.from(table.sbp);
    data.DBP = Array.from(table.dbp);
    data.N_BPCLASSES = Array.from(table.nBpClasses);
  } else {
    for (const name of table.columnNames) {
      const col = table.columns[name];
      data[name] = Array.isArray(col) ? col : Array.from(col);
    }
  }
  return new dfd.DataFrame(data);
}
