/**
 * Reading and writing .ipynb files (nbformat 4.5).
 *
 * In memory, every multi-line string (cell source, stream text, text/* data) is
 * one string. On disk we write what Jupyter writes: keys sorted, 1-space
 * indent, multi-line strings split into lists of lines, a trailing newline;
 * so a notebook that is read and written again is byte-identical, and an
 * `--update` that changed nothing changes no byte.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../../lib/fs';

export type MimeBundle = Record<string, unknown>;

export interface StreamOutput {
  output_type: 'stream';
  name: 'stdout' | 'stderr';
  text: string;
}
export interface DisplayDataOutput {
  output_type: 'display_data';
  data: MimeBundle;
  metadata: Record<string, unknown>;
}
export interface ExecuteResultOutput {
  output_type: 'execute_result';
  data: MimeBundle;
  metadata: Record<string, unknown>;
  execution_count: number | null;
}
export interface ErrorOutput {
  output_type: 'error';
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CodeCell {
  cell_type: 'code';
  id: string;
  source: string;
  metadata: Record<string, unknown> & { tags?: string[] };
  outputs: Output[];
  execution_count: number | null;
}
export interface TextCell {
  cell_type: 'markdown' | 'raw';
  id: string;
  source: string;
  metadata: Record<string, unknown> & { tags?: string[] };
  attachments?: Record<string, MimeBundle>;
}
export type Cell = CodeCell | TextCell;

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
}

export class NotebookFormatError extends Error {}

/** MIME types whose string values nbformat stores as lists of lines. */
function isSplitMime(mime: string): boolean {
  return mime.startsWith('text/') || mime === 'image/svg+xml' || mime === 'application/javascript';
}

function joinLines(v: unknown): string {
  return Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : '';
}

/** Splits a string the way nbformat does: lines keep their '\n'. */
export function splitLines(s: string): string[] {
  if (s === '') return [];
  const parts = s.split(/(?<=\n)/);
  return parts;
}

function normalizeBundle(data: unknown): MimeBundle {
  const out: MimeBundle = {};
  for (const [mime, value] of Object.entries((data ?? {}) as MimeBundle)) {
    out[mime] = Array.isArray(value) && (isSplitMime(mime) || mime.startsWith('image/')) ? value.join('') : value;
  }
  return out;
}

function normalizeOutput(o: Record<string, unknown>): Output {
  switch (o.output_type) {
    case 'stream':
      return { output_type: 'stream', name: o.name as 'stdout' | 'stderr', text: joinLines(o.text) };
    case 'display_data':
      return { output_type: 'display_data', data: normalizeBundle(o.data), metadata: (o.metadata ?? {}) as Record<string, unknown> };
    case 'execute_result':
      return {
        output_type: 'execute_result',
        data: normalizeBundle(o.data),
        metadata: (o.metadata ?? {}) as Record<string, unknown>,
        execution_count: (o.execution_count ?? null) as number | null,
      };
    case 'error':
      return {
        output_type: 'error',
        ename: String(o.ename ?? ''),
        evalue: String(o.evalue ?? ''),
        traceback: (o.traceback ?? []) as string[],
      };
    default:
      throw new NotebookFormatError(`unknown output_type ${JSON.stringify(o.output_type)}`);
  }
}

/** A stable cell id for cells that have none (nbformat 4.5 requires one). */
export function makeCellId(seed: string, index: number): string {
  return createHash('sha256').update(`${seed}\0${index}`).digest('hex').slice(0, 8);
}

export function parseNotebook(text: string, file = '<notebook>'): Notebook {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new NotebookFormatError(`${file}: not valid JSON (${(e as Error).message}); open it in JupyterLab or restore it from git`);
  }
  if (raw.nbformat !== 4) throw new NotebookFormatError(`${file}: nbformat ${raw.nbformat} is not supported (need 4)`);
  if (!Array.isArray(raw.cells)) throw new NotebookFormatError(`${file}: no "cells" list`);
  const used = new Set<string>();
  const cells = (raw.cells as Record<string, unknown>[]).map((c, i): Cell => {
    let id = typeof c.id === 'string' && c.id ? c.id : makeCellId(path.basename(file), i);
    while (used.has(id)) id = makeCellId(id, i);
    used.add(id);
    const metadata = (c.metadata ?? {}) as CodeCell['metadata'];
    if (c.cell_type === 'code') {
      return {
        cell_type: 'code',
        id,
        source: joinLines(c.source),
        metadata,
        outputs: ((c.outputs ?? []) as Record<string, unknown>[]).map(normalizeOutput),
        execution_count: (c.execution_count ?? null) as number | null,
      };
    }
    if (c.cell_type !== 'markdown' && c.cell_type !== 'raw') {
      throw new NotebookFormatError(`${file}: cell ${i + 1} has unknown cell_type ${JSON.stringify(c.cell_type)}`);
    }
    const cell: TextCell = { cell_type: c.cell_type, id, source: joinLines(c.source), metadata };
    if (c.attachments) cell.attachments = c.attachments as TextCell['attachments'];
    return cell;
  });
  return {
    nbformat: 4,
    nbformat_minor: Math.max(5, Number(raw.nbformat_minor ?? 5)),
    metadata: (raw.metadata ?? {}) as Record<string, unknown>,
    cells,
  };
}

export function readNotebook(file: string): Notebook {
  return parseNotebook(fs.readFileSync(file, 'utf8'), file);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

function diskBundle(data: MimeBundle): MimeBundle {
  const out: MimeBundle = {};
  for (const [mime, value] of Object.entries(data)) {
    out[mime] = typeof value === 'string' && isSplitMime(mime) ? splitLines(value) : value;
  }
  return out;
}

function diskOutput(o: Output): Record<string, unknown> {
  switch (o.output_type) {
    case 'stream':
      return { ...o, text: splitLines(o.text) };
    case 'display_data':
    case 'execute_result':
      return { ...o, data: diskBundle(o.data) };
    default:
      return { ...o };
  }
}

/** The exact text Jupyter would save for this notebook. */
export function serializeNotebook(nb: Notebook): string {
  const cells = nb.cells.map((c) => {
    const base: Record<string, unknown> = { ...c, source: splitLines(c.source) };
    if (c.cell_type === 'code') base.outputs = c.outputs.map(diskOutput);
    return base;
  });
  const disk = { ...nb, nbformat_minor: 5, cells };
  return JSON.stringify(sortKeys(disk), null, 1) + '\n';
}

export function writeNotebook(file: string, nb: Notebook): void {
  writeFileAtomic(file, serializeNotebook(nb));
}

export function tagsOf(cell: Cell): string[] {
  return Array.isArray(cell.metadata.tags) ? cell.metadata.tags : [];
}
