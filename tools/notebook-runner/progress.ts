/**
 * What the runner shows while notebooks run (tens of minutes in the default
 * profile): which notebook and cell is running, for how long, and the cells'
 * own output as it arrives (training's epoch / step / ETA bars). It only
 * forwards; the stored outputs are the kernel's messages, untouched.
 *
 * - On a terminal: one status line per running notebook, redrawn in place at
 *   most every `redrawMs`; complete lines of output are printed above it.
 * - Elsewhere (CI logs, pipes): plain lines, each prefixed with the notebook,
 *   the cell and the elapsed time: every complete output line, and of the
 *   carriage-return updates of a progress bar only the latest, at most every
 *   `barEveryMs` (30 s), so a log gets a heartbeat, not thousands of lines.
 */
import * as path from 'node:path';
import type { RunEvent } from './run';

export interface ProgressOptions {
  /** Draw a redrawn status area (a terminal) instead of plain lines. */
  tty: boolean;
  /** Clock (tests). */
  now?: () => number;
  /** Plain mode: least time between two lines of a progress bar. */
  barEveryMs?: number;
  /** Terminal mode: least time between redraws. */
  redrawMs?: number;
  /** Terminal width, to cut status lines (default 120). */
  columns?: number;
}

interface Running {
  name: string;
  started: number;
  cell: string;
  /** Text after the last newline (a progress bar being redrawn with '\r'). */
  partial: string;
  lastBar: number;
}

/** `1m05s`, `42s`. */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export class Progress {
  private readonly running = new Map<string, Running>();
  private readonly now: () => number;
  private readonly barEveryMs: number;
  private readonly redrawMs: number;
  private drawn = 0;
  private lastDraw = 0;

  constructor(
    private readonly write: (s: string) => void,
    private readonly opts: ProgressOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.barEveryMs = opts.barEveryMs ?? 30_000;
    this.redrawMs = opts.redrawMs ?? 250;
  }

  /** The event handler for one notebook's run. */
  listener(file: string): (e: RunEvent) => void {
    const r: Running = { name: path.basename(file, '.ipynb'), started: this.now(), cell: '', partial: '', lastBar: -Infinity };
    this.running.set(file, r);
    return (e) => (e.kind === 'cell' ? this.cell(r, e) : this.output(r, e.text));
  }

  /** A notebook finished: forget it (its report line comes from the caller, through {@link print}). */
  done(file: string): void {
    this.running.delete(file);
    if (this.opts.tty) this.redraw(true);
  }

  /** Prints a line of the caller's (a report; `to` another stream of the same terminal) without tearing the status area. */
  print(line: string, to: (s: string) => void = this.write): void {
    this.clear();
    to(line + '\n');
    if (this.opts.tty) this.redraw(true);
  }

  private prefix(r: Running): string {
    return `[${r.name} ${r.cell} ${formatElapsed(this.now() - r.started)}]`;
  }

  private cell(r: Running, e: Extract<RunEvent, { kind: 'cell' }>): void {
    r.cell = `cell ${e.index}/${e.count}`;
    r.partial = '';
    r.lastBar = -Infinity;
    if (this.opts.tty) this.redraw(true);
    else this.write(`${this.prefix(r)} ${e.title}\n`);
  }

  private output(r: Running, text: string): void {
    const lines = (r.partial + text).split('\n');
    r.partial = lines.pop() ?? '';
    // A carriage return starts the line over: what counts is the text after the last one.
    const complete = lines.map((l) => l.slice(l.lastIndexOf('\r') + 1)).filter((l) => l.trim() !== '');
    r.partial = r.partial.slice(r.partial.lastIndexOf('\r') + 1);
    if (complete.length) {
      this.clear();
      for (const l of complete) this.write(`${this.prefix(r)} ${l}\n`);
      r.lastBar = this.now();
    }
    if (this.opts.tty) this.redraw(complete.length > 0);
    else if (r.partial.trim() !== '' && this.now() - r.lastBar >= this.barEveryMs) {
      this.write(`${this.prefix(r)} ${r.partial.trim()}\n`);
      r.lastBar = this.now();
    }
  }

  /** Terminal mode: erases the status area. */
  private clear(): void {
    if (!this.opts.tty || this.drawn === 0) return;
    this.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private redraw(force: boolean): void {
    if (!this.opts.tty || (!force && this.now() - this.lastDraw < this.redrawMs)) return;
    this.clear();
    const width = this.opts.columns ?? 120;
    const lines = [...this.running.values()].map((r) => `${this.prefix(r)} ${r.partial.trim()}`.slice(0, width - 1));
    for (const l of lines) this.write(l + '\n');
    this.drawn = lines.length;
    this.lastDraw = this.now();
  }
}
