/**
 * Runs one notebook in a fresh kernel (tslab, or Deno's) and checks it, nbval
 * style: against the stored outputs, or against another kernel's run of the
 * same notebook (`reference`). A Deno run type-checks the cells first
 * (typecheck.ts) and has its messages normalized to tslab's (normalize.ts).
 */
import * as path from 'node:path';
import { CellTimeoutError, Kernel, KernelDiedError, kernelArgv, kernelEnv, kernelSpecDir, sleep, type KernelName, type KernelOptions } from './kernel';
import { crossKernelTolerance, normalizeDenoMessages } from './normalize';
import { checkCellsWithDeno } from './typecheck';
import { compareOutputs, outputText, type CompareConfig } from './compare';
import { messagesToOutputs } from './outputs';
import { tagsOf, type CodeCell, type Notebook, type Output } from './notebook';
import type { JupyterMessage } from './protocol';

export type CellStatus = 'passed' | 'failed' | 'skipped' | 'not-run';

export interface CellResult {
  /** 1-based position among all cells of the notebook. */
  index: number;
  id: string;
  /** First line of the source, to name the cell in reports. */
  title: string;
  status: CellStatus;
  problems: string[];
  durationMs: number;
}

export interface NotebookResult {
  file: string;
  passed: boolean;
  /** A failure not tied to a cell (kernel would not start, ...). */
  error?: string;
  cells: CellResult[];
  durationMs: number;
  /** The notebook with the fresh outputs (stored outputs kept for skipped / not-run cells). */
  executed: Notebook;
}

/** What a run reports while it goes (the runner's progress display). */
export type RunEvent =
  | { kind: 'cell'; index: number; count: number; title: string }
  | { kind: 'output'; text: string };

export interface RunOptions {
  /** Per-cell timeout in seconds. */
  timeout: number;
  config: CompareConfig;
  /** When true, outputs are not compared (they will be rewritten). */
  update: boolean;
  /** When false, outputs are not compared either (execute only: errors still fail). Default true. */
  compare?: boolean;
  /** Called when a cell starts and for its stream output as it arrives; never changes the outputs. */
  onEvent?: (e: RunEvent) => void;
  env?: Record<string, string>;
  /** Override of how the kernel is started (tests). */
  kernel?: Partial<KernelOptions>;
  /** Milliseconds to wait after the last cell for output from timers still pending. */
  settleMs?: number;
  /** Milliseconds to wait after a failed cell (tests lower it to provoke tslab's abort). */
  afterErrorMs?: number;
  /** The kernel to run on (default tslab). */
  kernelName?: KernelName;
  /**
   * Another kernel's executed copy of this notebook (same cells): its outputs
   * are what this run's are compared with, instead of the stored ones, even
   * when parameters were injected.
   */
  reference?: { kernel: KernelName; notebook: Notebook };
}

/**
 * tslab drops every request that arrives within 200 ms of a failed cell
 * (its reply status is then 'abort'); wait this long after an error.
 */
const AFTER_ERROR_MS = 250;

/** For nbval-ignore-output cells: any text matches, only the output structure counts. */
const IGNORE_TEXT = { sanitizers: [{ regex: '[\\s\\S]+', replace: '*' }], tolerance: {} };

const ASYNC_ERROR = /UncaughtException|UnhandledPromiseRejection/;

function titleOf(cell: CodeCell): string {
  const first = cell.source.split('\n').find((l) => l.trim() !== '') ?? '';
  return first.length > 60 ? first.slice(0, 57) + '...' : first;
}

/** stderr text that tslab writes for an uncaught exception or unhandled rejection. */
function asyncErrorText(outputs: Output[]): string {
  return outputs
    .filter((o): o is Extract<Output, { output_type: 'stream' }> => o.output_type === 'stream' && o.name === 'stderr' && /^(UncaughtException|UnhandledPromiseRejection)\b/m.test(o.text))
    .map((o) => o.text.trim())
    .join('\n');
}

function errorText(outputs: Output[]): string {
  return outputs
    .filter((o) => o.output_type === 'error' || (o.output_type === 'stream' && o.name === 'stderr'))
    .map(outputText)
    .join('')
    .trim();
}

export async function runNotebook(file: string, nb: Notebook, opts: RunOptions): Promise<NotebookResult> {
  const started = Date.now();
  const executed: Notebook = { ...nb, cells: nb.cells.map((c) => ({ ...c })) };
  const results: CellResult[] = [];
  const codeCells = executed.cells
    .map((cell, i) => ({ cell, index: i + 1 }))
    .filter((x): x is { cell: CodeCell; index: number } => x.cell.cell_type === 'code');
  const result = (error?: string): NotebookResult => ({
    file,
    passed: !error && results.every((r) => r.status !== 'failed' && r.status !== 'not-run'),
    error,
    cells: results,
    durationMs: Date.now() - started,
    executed,
  });

  const kernelName = opts.kernelName ?? 'tslab';
  if (kernelName === 'deno') {
    // tslab refuses a cell with a type error; Deno's kernel would run it.
    const checked = await checkCellsWithDeno(file, executed, opts.env);
    if (checked.diagnostics.length || checked.other.length) {
      for (const { cell, index } of codeCells) {
        const mine = checked.diagnostics.filter((d) => d.cell === index);
        results.push({
          index, id: cell.id, title: titleOf(cell), status: mine.length ? 'failed' : 'not-run', durationMs: 0,
          problems: mine.map((d) => `type error (deno check), line ${d.line}: ${d.message}`),
        });
      }
      return result(['no cell was run: deno check found type errors (tslab would refuse those cells)', ...checked.other].join('\n'));
    }
  }

  const referenceCells = new Map<string, CodeCell>();
  for (const c of opts.reference?.notebook.cells ?? []) if (c.cell_type === 'code') referenceCells.set(c.id, c);

  let kernel: Kernel;
  try {
    kernel = await Kernel.start({
      cwd: path.dirname(path.resolve(file)),
      env: { ...kernelEnv(kernelName), ...opts.env },
      argv: (conn) => kernelArgv(conn, kernelSpecDir(kernelName)),
      drain: kernelName === 'deno',
      onRetry: (why) => process.stderr.write(`${file}: ${why}\n`),
      ...opts.kernel,
    });
  } catch (e) {
    for (const { cell, index } of codeCells) results.push({ index, id: cell.id, title: titleOf(cell), status: 'not-run', problems: [], durationMs: 0 });
    return result(`could not start the ${kernelName} kernel: ${(e as Error).message}`);
  }

  // Output that arrives after its cell finished (a timer or promise that threw
  // later) is charged to that cell; text on the kernel's own stderr to the cell running.
  const finished = new Map<string, CellResult>();
  const late: Array<{ cell: CellResult; text: string }> = [];
  let current: CellResult | null = null;
  const stopLate = kernel.onIopub((m: JupyterMessage) => {
    const cellResult = finished.get(String(m.parent_header.msg_id));
    if (!cellResult || m.header.msg_type === 'status') return;
    const text = m.header.msg_type === 'stream' ? String((m.content as { text?: string }).text) : m.header.msg_type;
    late.push({ cell: cellResult, text });
  });
  kernel.onProcessStderr = (text) => {
    const target = current ?? results[results.length - 1];
    if (target) late.push({ cell: target, text: `(kernel process stderr) ${text}` });
  };

  let stop: string | null = null;
  try {
    for (const { cell, index } of codeCells) {
      const r: CellResult = { index, id: cell.id, title: titleOf(cell), status: 'passed', problems: [], durationMs: 0 };
      results.push(r);
      const tags = tagsOf(cell);
      if (stop) {
        r.status = 'not-run';
        continue;
      }
      if (tags.includes('nbval-skip')) {
        r.status = 'skipped';
        continue;
      }
      const t0 = Date.now();
      current = r;
      opts.onEvent?.({ kind: 'cell', index, count: executed.cells.length, title: r.title });
      const onMessage = opts.onEvent
        ? (m: JupyterMessage) => {
            if (m.header.msg_type === 'stream') opts.onEvent?.({ kind: 'output', text: String((m.content as { text?: unknown }).text ?? '') });
          }
        : undefined;
      let reply;
      try {
        reply = await kernel.execute(cell.source, opts.timeout * 1000, onMessage);
      } catch (e) {
        r.durationMs = Date.now() - t0;
        r.status = 'failed';
        if (e instanceof CellTimeoutError) {
          r.problems.push(`timed out after ${opts.timeout} s; the kernel was killed`);
          await kernel.kill();
          stop = 'timeout';
        } else if (e instanceof KernelDiedError) {
          r.problems.push(e.message);
          stop = 'kernel died';
        } else throw e;
        continue;
      } finally {
        current = null;
      }
      r.durationMs = Date.now() - t0;
      const outputs = messagesToOutputs(kernelName === 'deno' ? normalizeDenoMessages(reply.messages, cell.source) : reply.messages);
      const stored = cell.outputs;
      cell.outputs = outputs;
      cell.execution_count = reply.executionCount;
      const errored = reply.status === 'error' || outputs.some((o) => o.output_type === 'error');
      if (reply.status === 'abort') {
        r.problems.push('tslab aborted this cell without running it (it arrived within 200 ms of an earlier error)');
        stop = 'aborted';
      } else if (tags.includes('nbval-raises')) {
        if (!errored) r.problems.push('expected an error (tag nbval-raises) but the cell ran without one');
      } else if (asyncErrorText(outputs)) {
        // tslab routes output to the cell running when a timer or promise throws,
        // so an earlier cell's asynchronous error can land here.
        r.problems.push(`an asynchronous error surfaced while this cell ran (thrown by a timer or promise of this or an earlier cell):\n${asyncErrorText(outputs)}`);
        stop = 'error';
      } else if (errored) {
        const text = errorText(outputs);
        r.problems.push(`the cell raised an error${text ? `:\n${text}` : ' (no message)'}`);
        stop = 'error';
      }
      if (errored) await sleep(opts.afterErrorMs ?? AFTER_ERROR_MS);
      // Outputs that match the stored ones (after sanitizing, within tolerance) keep
      // their stored text even with --update, so a re-run changes no byte.
      const ignore = tags.includes('nbval-ignore-output');
      if (opts.reference) {
        const expected = referenceCells.get(cell.id)?.outputs ?? [];
        const cfg = ignore ? IGNORE_TEXT : { ...opts.config, tolerance: crossKernelTolerance(opts.config.tolerance) };
        const diffs = compareOutputs(expected, outputs, cfg, `the ${opts.reference.kernel} run`);
        if (!ignore) r.problems.push(...diffs.map((d) => `output differs from the ${opts.reference!.kernel} run: ${d}`));
      } else {
        const diffs = compareOutputs(stored, outputs, ignore ? IGNORE_TEXT : opts.config);
        if (diffs.length === 0) cell.outputs = stored;
        else if (!opts.update && opts.compare !== false && !ignore) r.problems.push(...diffs.map((d) => `output differs from the stored notebook: ${d}`));
      }
      for (const id of reply.requestIds) finished.set(id, r);
      if (r.problems.length) r.status = 'failed';
    }
    if (!stop) await sleep(opts.settleMs ?? 500);
  } finally {
    stopLate();
    await kernel.shutdown();
  }
  for (const { cell, text } of late) {
    cell.status = 'failed';
    const what = ASYNC_ERROR.test(text) ? 'an asynchronous error surfaced after the cell finished' : 'output arrived after the cell finished';
    cell.problems.push(`${what}:\n${text.trim()}`);
  }
  return result();
}
