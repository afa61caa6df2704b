/**
 * Type-checking a notebook's cells before a Deno run.
 *
 * tslab compiles every cell before running it and refuses one with a type
 * error; Deno's kernel runs cells without checking them. So before a Deno run
 * the runner writes the code cells that will run, in order, as one module next
 * to the notebook (so `./lib/...` resolves as it does in the kernel), runs
 * `deno check` on it with the repository's deno.json (not strict, as tslab
 * compiles), deletes it, and reports each error at its cell and line.
 *
 * One difference from tslab's cell-by-cell check: a name declared at the top
 * level of two cells is an error here (tslab lets a later cell redeclare it).
 * Cells tagged nbval-skip (not run) and nbval-raises (expected to fail) are
 * left out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tagsOf, type CodeCell, type Notebook } from './notebook';
import { denoExecutable } from './deno';

export interface CellDiagnostic {
  /** 1-based position of the cell among all cells (as the runner reports cells). */
  cell: number;
  /** 1-based line within the cell. */
  line: number;
  message: string;
}

export interface CheckResult {
  diagnostics: CellDiagnostic[];
  /** Errors outside the cells (in lib/, say), or deno check failing to run. */
  other: string[];
}

interface Span {
  cell: number;
  /** 1-based first line of the cell in the module. */
  from: number;
  lines: number;
}

/** The module checked for `nb`: its code cells (those that run) in order, and where each one starts. */
export function cellsModule(nb: Notebook): { source: string; spans: Span[] } {
  const parts: string[] = [];
  const spans: Span[] = [];
  let line = 1;
  nb.cells.forEach((c, i) => {
    if (c.cell_type !== 'code') return;
    const tags = tagsOf(c as CodeCell);
    if (tags.includes('nbval-skip') || tags.includes('nbval-raises')) return;
    const lines = c.source.split('\n').length;
    spans.push({ cell: i + 1, from: line, lines });
    // A line of its own after each cell, so that no cell's last statement runs into the next one.
    parts.push(`${c.source}\n;\n`);
    line += lines + 1;
  });
  parts.push('export {};\n');
  return { source: parts.join(''), spans };
}

/**
 * Reads `deno check`'s report (NO_COLOR): blocks of `TSnnnn [ERROR]: message`,
 * the source line, a caret line and `    at file:///path:line:col`.
 * Errors in `moduleFile` go to their cells; others to `other`.
 */
export function parseDenoCheck(report: string, moduleFile: string, spans: Span[]): CheckResult {
  const result: CheckResult = { diagnostics: [], other: [] };
  let block: string[] = [];
  for (const text of report.split('\n')) {
    const at = /^\s+at (file:\/\/\S+):(\d+):(\d+)$/.exec(text);
    if (!at) {
      if (/^TS\d+ \[ERROR\]/.test(text)) block = [];
      block.push(text);
      continue;
    }
    const head = block.find((l) => /^TS\d+ \[ERROR\]/.test(l)) ?? block[0] ?? '';
    const message = head.replace(/^(TS\d+) \[ERROR\]: /, '$1: ');
    const file = decodeURIComponent(new URL(at[1]).pathname);
    const line = Number(at[2]);
    const span = file === moduleFile ? spans.find((s) => line >= s.from && line < s.from + s.lines) : undefined;
    if (span) result.diagnostics.push({ cell: span.cell, line: line - span.from + 1, message });
    else result.other.push(`${message} (${file === moduleFile ? 'between cells' : file}:${line}:${at[3]})`);
    block = [];
  }
  return result;
}

/** Runs `deno check` on `nb`'s cells (see the module comment); `file` is the notebook's path. */
export async function checkCellsWithDeno(file: string, nb: Notebook, env: Record<string, string> = {}): Promise<CheckResult> {
  const dir = path.dirname(path.resolve(file));
  const { source, spans } = cellsModule(nb);
  const moduleFile = path.join(dir, `.${path.basename(file, '.ipynb')}.deno-check-${process.pid}-${Math.random().toString(36).slice(2, 8)}.ts`);
  fs.writeFileSync(moduleFile, source);
  try {
    const { execa } = await import('execa');
    const r = await execa(denoExecutable(), ['check', '--quiet', moduleFile], {
      cwd: dir,
      env: { ...env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
      reject: false,
      all: true,
    });
    if (r.exitCode === 0) return { diagnostics: [], other: [] };
    const parsed = parseDenoCheck(String(r.all ?? ''), moduleFile, spans);
    if (parsed.diagnostics.length === 0 && parsed.other.length === 0) parsed.other.push(`deno check failed (exit ${r.exitCode}): ${String(r.all ?? '').trim()}`);
    return parsed;
  } finally {
    fs.rmSync(moduleFile, { force: true });
  }
}
