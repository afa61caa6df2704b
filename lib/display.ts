/**
 * Output to the notebook, the same on both kernels lib/ runs in: tslab
 * (Node) and Deno's Jupyter kernel (`deno jupyter`). Notebooks and lib/ call
 * these instead of `tslab.display.*` (which throws under Deno) and
 * `process.stdout.write` (which Deno's kernel drops: it forwards console.*,
 * not writes to the process's streams).
 *
 * - {@link displayData}: one display_data message with any MIME bundle.
 *   Under tslab through its internal writer (`tslab/dist/jupyter.js`'s
 *   `lastWriteDisplayData`, set for the executing cell: tslab's public
 *   `display.*` sends one MIME type per call), under Deno through
 *   `Deno.jupyter.broadcast`. The content object is sent as given, so the
 *   message is byte for byte what the caller built.
 * - {@link html}: `tslab.display.html(s)`'s exact message (`{ data:
 *   {'text/html': s}, metadata: {}, transient: {} }`; tslab adds an empty
 *   transient), on either kernel.
 * - {@link stdout}, {@link stderr}: text streams. Under tslab
 *   `process.stdout.write` (tslab turns each write into a `stream` message),
 *   under Deno a `stream` message of our own through `Deno.jupyter.broadcast`:
 *   the same messages, so a `\r` progress bar ends as the same stored output.
 *   Outside a kernel (CLI, tests) the process's own streams.
 *
 * Deno queues broadcasts and console output in one channel in call order, so
 * text and displays keep their order; they may reach the front end after the
 * cell's reply (the notebook runner waits for them, see
 * tools/notebook-runner/kernel.ts).
 */
import { nodeRequire } from './host';

/** The content of a display_data message. */
export interface DisplayContent {
  data: { [mime: string]: unknown };
  metadata: { [mime: string]: unknown };
  transient?: { display_id?: string };
}

export type NotebookKernel = 'tslab' | 'deno';

type TslabWriter = (content: DisplayContent, update: boolean) => void;

interface DenoJupyter {
  /** Queues one iopub message (Deno 2.9.6 returns nothing; earlier releases a promise). */
  broadcast(msgType: string, content: Record<string, unknown>): Promise<void> | void;
}

/** tslab's writer for the executing cell, or null outside a tslab kernel (or if tslab's internals changed). */
export function tslabWriter(): TslabWriter | null {
  const cache = nodeRequire().cache ?? {};
  for (const key of Object.keys(cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(key)) continue;
    const exp = cache[key]?.exports as { lastWriteDisplayData?: unknown } | undefined;
    const w = exp?.lastWriteDisplayData;
    if (typeof w === 'function') return (content, update) => (w as TslabWriter).call(exp, content, update);
  }
  return null;
}

/** `Deno.jupyter` inside `deno jupyter`; null elsewhere (outside that subcommand reading it throws). */
function denoJupyter(): DenoJupyter | null {
  const deno = (globalThis as { Deno?: { jupyter?: Partial<DenoJupyter> } }).Deno;
  if (!deno) return null;
  try {
    const j = deno.jupyter;
    return j && typeof j.broadcast === 'function' ? (j as DenoJupyter) : null;
  } catch {
    return null;
  }
}

/** The kernel this code runs in, or null (a script, the CLI, tests). */
export function notebookKernel(): NotebookKernel | null {
  if (denoJupyter()) return 'deno';
  return tslabWriter() ? 'tslab' : null;
}

function broadcast(j: DenoJupyter, msgType: string, content: Record<string, unknown>): void {
  const sent = j.broadcast(msgType, content);
  // A rejected send (the kernel shutting down) has nowhere better to go.
  if (sent && typeof sent.then === 'function') sent.then(undefined, () => undefined);
}

/**
 * Sends one display_data output; false outside a kernel (nothing shown).
 * `content` goes out unchanged (see the module comment).
 */
export function displayData(content: DisplayContent): boolean {
  const deno = denoJupyter();
  if (deno) {
    broadcast(deno, 'display_data', { ...content });
    return true;
  }
  const writer = tslabWriter();
  if (!writer) return false;
  writer(content, false);
  return true;
}

/** Shows `s` as HTML in the notebook (what `tslab.display.html(s)` did); outside a kernel prints a note on stderr. */
export function html(s: string): void {
  if (!displayData({ data: { 'text/html': s }, metadata: {}, transient: {} })) {
    stderr.write('html(): not running in a notebook kernel (tslab or Deno), nothing displayed\n');
  }
}

/** Where {@link stdout} and {@link stderr} write. */
export interface TextStream {
  write(text: string): boolean;
}

function textStream(name: 'stdout' | 'stderr'): TextStream {
  return {
    write(text: string): boolean {
      const deno = denoJupyter();
      if (deno) {
        broadcast(deno, 'stream', { name, text });
        return true;
      }
      return process[name].write(text);
    },
  };
}

/** The notebook's stdout under either kernel; the process's stdout elsewhere. */
export const stdout: TextStream = textStream('stdout');
/** The notebook's stderr under either kernel; the process's stderr elsewhere. */
export const stderr: TextStream = textStream('stderr');
