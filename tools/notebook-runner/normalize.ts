/**
 * What Deno's Jupyter kernel sends differently from tslab, turned into what
 * tslab sends, so that a Deno run is compared with tslab's outputs (the
 * committed ones, or a tslab run's: `--reference tslab`). Applied to a cell's
 * iopub messages before they become outputs (outputs.ts), only on Deno.
 *
 * The kernels' known differences, and what the runner does about each:
 *
 * 1. Late output. Deno can send part of a cell's output after the cell's
 *    reply and idle status, stamped with the next request's id. The runner
 *    waits for it (kernel.ts, `drain`: a probe prints a sentinel through the
 *    same queue) and charges it to the cell, in order. Safe: nothing is
 *    rewritten, and output that the cell did not write before its reply
 *    cannot come before the sentinel.
 * 2. The last value. tslab prints the value of a cell's last expression
 *    statement with console.log (a `stream` on stdout after the cell's other
 *    output; nothing for null or undefined); Deno sends an `execute_result`
 *    with Deno.inspect's text/plain, which quotes and escapes a string (and
 *    splits a long one with several lines into literals joined by `+`). An
 *    execute_result holding only text/plain becomes that stdout text, turned
 *    back into the string when it is one, after the cell's other messages. Safe for
 *    strings, which is what the notebooks' last expressions are; any other
 *    value keeps Deno.inspect's text, so where it differs from Node's
 *    util.inspect the comparison reports it instead of hiding it.
 * 3. Completion values. Deno shows a cell's completion value even when the
 *    cell does not end in an expression statement (`for (…) a.push(x)` shows a
 *    number); tslab shows nothing then. Such an execute_result is dropped.
 *    Safe: tslab never shows one there.
 * 4. ANSI colours. Deno colours execute_result text unless NO_COLOR is set
 *    (the runner sets it for Deno kernels). Colour codes are removed from the
 *    execute_result's text (not from streams, which both kernels pass through
 *    as written).
 * 5. `execute_input`. Deno echoes each request; tslab does not. Ignored
 *    (outputs.ts never turns it into an output; the probe's is dropped in kernel.ts).
 * 6. The last bits of numbers. Deno 2.9's V8 computes Math.exp, log, sin,
 *    cos, pow (and the rest but sqrt) correctly rounded; Node 20's V8 uses
 *    fdlibm, off by up to an ulp. lib/ is built so that this does not grow
 *    (the Gaussian and Markov-Gaussian samplers use the covariance's
 *    symmetric root, continuous in it), with one documented exception: the
 *    PLD accountant's FFT carries about 1e-9 of absolute roundoff (pld.ts),
 *    so δ values of 1e-9 differ by that much between the engines (06's
 *    privacy profile). A run compared with another kernel's run takes
 *    numbers within {@link CROSS_KERNEL_TOLERANCE} instead of
 *    runner.config.json's absolute 1e-9. Safe: both are far below the
 *    precision anything is printed or plotted at, and text, structure and
 *    every other digit are still compared.
 * 7. Each kernel's own files. A profile can keep the two runs' files apart
 *    (`{kernel}` in a value: the smoke profile's runs/smoke-tslab and
 *    runs/smoke-deno), so that the second run computes everything instead of
 *    reading what the first cached; cells that print where they saved then
 *    differ by the folder's name. The reference run's outputs are read with
 *    each such value of its kernel replaced by this kernel's (whole names:
 *    not followed by a letter, digit, _ or -). Safe: only those exact
 *    strings, which the two runs were told to use, change.
 *
 * Not normalized: errors (Deno sends an `error` message, tslab stderr text;
 * the run fails either way), and the output text of console.log of objects
 * (Deno.inspect and util.inspect differ in quotes; the notebooks print strings).
 */
import * as ts from 'typescript';
import type { JupyterMessage } from './protocol';
import type { Tolerance } from './compare';
import type { KernelName } from './kernel';
import type { Notebook, Output } from './notebook';

/** The differences normalized here, one line each (for reports and tests). */
export const DENO_NORMALIZATIONS = [
  'late output: waited for (a sentinel after every cell) and charged to its cell, in order',
  "last value: Deno's execute_result text/plain becomes stdout text like tslab's console.log, after the cell's other output; a string (Deno quotes it, escapes it, splits a long one into literals joined by +) becomes its text",
  'completion value of a cell that does not end in an expression statement: dropped (tslab shows none)',
  "ANSI colours: removed from execute_result text (NO_COLOR is set for Deno's kernel too)",
  'execute_input: ignored (tslab sends none)',
  "numbers: within an absolute 1e-8 (not 1e-9): Deno's V8 rounds Math.exp, log, sin, cos correctly, Node 20's is off by up to an ulp, which the PLD accountant's FFT roundoff (about 1e-9) shows in δ",
  "own files: where the profile gives each kernel its own run folder ({kernel}: runs/smoke-tslab, runs/smoke-deno), the reference run's outputs are read with its folder's name replaced by this kernel's",
] as const;

/**
 * What a profile's `{kernel}` values (cli.ts profileValues: each kernel's own
 * run folder) are for `from` and for `to`, as [from's, to's] pairs, longest
 * first (item 7 of the module comment).
 */
export function kernelFileRenames(profile: Record<string, unknown>, from: KernelName, to: KernelName): [string, string][] {
  const pairs: [string, string][] = [];
  for (const v of Object.values(profile)) {
    if (typeof v === 'string' && v.includes('{kernel}')) pairs.push([v.replaceAll('{kernel}', from), v.replaceAll('{kernel}', to)]);
  }
  return pairs.sort((a, b) => b[0].length - a[0].length);
}

/** `nb` with every string in its outputs read with `renames` applied (the other kernel's file names as this kernel's). */
export function renameKernelFiles(nb: Notebook, renames: [string, string][]): Notebook {
  if (renames.length === 0) return nb;
  // A whole name only: not followed by a letter, digit, _ or - (runs/smoke-tslab2 is another folder).
  const patterns = renames.map(([a, b]) => [new RegExp(`${a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'g'), b] as const);
  const rename = (x: unknown): unknown => {
    if (typeof x === 'string') return patterns.reduce((t, [re, b]) => t.replace(re, () => b), x);
    if (Array.isArray(x)) return x.map(rename);
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, rename(v)]));
    return x;
  };
  return { ...nb, cells: nb.cells.map((c) => (c.cell_type === 'code' ? { ...c, outputs: rename(c.outputs) as Output[] } : c)) };
}

/** The numeric tolerance of a run compared with another kernel's run (item 6 of the module comment). */
export const CROSS_KERNEL_TOLERANCE = { absolute: 1e-8 } as const;

/** The tolerance for comparing with another kernel's run: the configured one, widened to {@link CROSS_KERNEL_TOLERANCE}. */
export function crossKernelTolerance(t: Tolerance): Tolerance {
  return { ...t, absolute: Math.max(t.absolute ?? 0, CROSS_KERNEL_TOLERANCE.absolute) };
}

const ANSI = /\x1b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Whether tslab would show the cell's last value: its last statement (types aside) is an expression statement. */
export function endsWithExpression(source: string): boolean {
  const sf = ts.createSourceFile('cell.ts', source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  for (let i = sf.statements.length - 1; i >= 0; i--) {
    const s = sf.statements[i];
    // What TypeScript erases before tslab looks at the emitted statements.
    if (ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isExportDeclaration(s)) continue;
    if (ts.isImportDeclaration(s) && s.importClause?.isTypeOnly) continue;
    if (ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) continue;
    return ts.isExpressionStatement(s);
  }
  return false;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' };

/** One quoted literal at the start of the text, with its escapes. */
const LITERAL = /^(["'`])((?:\\[\s\S]|(?!\1)[^\\])*)\1/;

function unescape(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|u\{[0-9a-fA-F]+\}|[\s\S])/g, (_, e: string) => {
    if (e.length === 1) return ESCAPES[e] ?? e;
    return String.fromCodePoint(parseInt(e.replace(/^[xu]\{?|\}$/g, ''), 16));
  });
}

/**
 * The string a Deno.inspect rendering of a string stands for, or null when
 * `text` is not one. Deno quotes with ", else ' when the string holds ", else
 * ` when it holds both, else " with \" escaped; it escapes \n \t \r \\ and
 * control characters (\xHH); and it writes a long string with several lines
 * as literals joined by ` +` at the ends of lines, one line each.
 */
export function unquoteInspected(text: string): string | null {
  let rest = text;
  let value = '';
  for (;;) {
    const m = LITERAL.exec(rest);
    if (!m) return null;
    value += unescape(m[2]);
    rest = rest.slice(m[0].length);
    if (rest === '') return value;
    const join = /^ \+\n\s*/.exec(rest);
    if (!join) return null;
    rest = rest.slice(join[0].length);
  }
}

/** A cell's messages from Deno's kernel, made into what tslab would have sent (see the module comment). */
export function normalizeDenoMessages(messages: JupyterMessage[], source: string): JupyterMessage[] {
  const out: JupyterMessage[] = [];
  const values: JupyterMessage[] = [];
  const showsValue = endsWithExpression(source);
  for (const m of messages) {
    const type = m.header.msg_type;
    if (type === 'execute_input') continue;
    if (type !== 'execute_result') {
      out.push(m);
      continue;
    }
    if (!showsValue) continue;
    const data = (m.content.data ?? {}) as Record<string, unknown>;
    const plain = data['text/plain'];
    if (Object.keys(data).length !== 1 || typeof plain !== 'string') {
      out.push(m);
      continue;
    }
    const text = stripAnsi(plain);
    const value = unquoteInspected(text) ?? text;
    values.push({ ...m, header: { ...m.header, msg_type: 'stream' }, content: { name: 'stdout', text: `${value}\n` } });
  }
  return [...out, ...values];
}
