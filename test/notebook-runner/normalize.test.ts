/**
 * Each normalization of Deno's kernel messages (tools/notebook-runner/normalize.ts),
 * on messages shaped as Deno 2.9.6 sends them (the text/plain renderings below
 * were recorded from its kernel), and checked against the outputs tslab's
 * messages give for the same cells.
 */
import { describe, expect, it } from 'vitest';
import { crossKernelTolerance, DENO_NORMALIZATIONS, endsWithExpression, kernelFileRenames, renameKernelFiles, normalizeDenoMessages, stripAnsi, unquoteInspected } from '../../tools/notebook-runner/normalize';
import { messagesToOutputs } from '../../tools/notebook-runner/outputs';
import { textsMatch } from '../../tools/notebook-runner/compare';
import type { JupyterMessage } from '../../tools/notebook-runner/protocol';

function msg(msgType: string, content: Record<string, unknown>): JupyterMessage {
  return { header: { msg_id: 'm', session: 's', username: 'u', date: '', msg_type: msgType, version: '5.3' }, parent_header: { msg_id: 'p' }, metadata: {}, content };
}
const stream = (text: string, name = 'stdout') => msg('stream', { name, text });
const value = (plain: string) => msg('execute_result', { execution_count: 3, data: { 'text/plain': plain }, metadata: {}, transient: {} });

describe('unquoteInspected: the string behind Deno.inspect of a string', () => {
  it("reads each of Deno's quoting styles", () => {
    expect(unquoteInspected('"plain"')).toBe('plain');
    expect(unquoteInspected(`'has " dq'`)).toBe('has " dq');
    expect(unquoteInspected("`both \" and ' `")).toBe(`both " and ' `);
    expect(unquoteInspected('"all \\" \' ` three"')).toBe('all " \' ` three');
    expect(unquoteInspected('""')).toBe('');
  });

  it('undoes the escapes', () => {
    expect(unquoteInspected('"nl\\n tab\\t back\\\\ bell\\x07 nul\\x00 ε é 😀 \\r cr"')).toBe('nl\n tab\t back\\ bell\x07 nul\x00 ε é 😀 \r cr');
    expect(unquoteInspected('"\\u00e9\\u{1F600}"')).toBe('é😀');
  });

  it('joins a long string written as literals joined by + at line ends', () => {
    const deno = '"../data/embedded/baseline.csv: 371 missing values.\\n" +\n  "../data/embedded/bp.csv: 424 missing values."';
    expect(unquoteInspected(deno)).toBe('../data/embedded/baseline.csv: 371 missing values.\n../data/embedded/bp.csv: 424 missing values.');
  });

  it('is null for anything that is not strings alone', () => {
    for (const other of ['[ 1, 2 ]', '{ a: "x" }', '"a" b', `'a"`, '"a" + b', '"a" +"b"', '3', 'null', '"unterminated']) expect(unquoteInspected(other)).toBeNull();
  });
});

describe('endsWithExpression: whether tslab shows a last value', () => {
  it('only for a last expression statement, types and type-only imports aside', () => {
    expect(endsWithExpression('const a = 1;\n`a ${a}`')).toBe(true);
    expect(endsWithExpression('await plots.show(fig)')).toBe(true);
    expect(endsWithExpression('f();\ninterface X { a: number }\ntype Y = X;')).toBe(true);
    expect(endsWithExpression('const a = [];\nfor (let i = 0; i < 3; i++) a.push(i);')).toBe(false);
    expect(endsWithExpression('if (x) { "y" }')).toBe(false);
    expect(endsWithExpression('const a = 1;')).toBe(false);
    expect(endsWithExpression("import * as fs from 'fs';")).toBe(false);
    expect(endsWithExpression('')).toBe(false);
  });
});

describe('normalizeDenoMessages', () => {
  it("a last string value becomes tslab's console.log line, after the cell's other output", () => {
    const deno = [msg('execute_input', { code: 'x', execution_count: 3 }), stream('a\n'), value('"value 3"'), stream('late b\n')];
    const tslab = [stream('a\n'), stream('late b\n'), stream('value 3\n')];
    const got = normalizeDenoMessages(deno, "console.log('a');\n`value ${n}`");
    expect(got.map((m) => [m.header.msg_type, m.content])).toEqual(tslab.map((m) => [m.header.msg_type, m.content]));
    expect(messagesToOutputs(got)).toEqual(messagesToOutputs(tslab));
    expect(messagesToOutputs(got)).toEqual([{ output_type: 'stream', name: 'stdout', text: 'a\nlate b\nvalue 3\n' }]);
  });

  it("drops a completion value where tslab shows none, and Deno's colours", () => {
    expect(normalizeDenoMessages([value('3')], 'for (let i = 0; i < 3; i++) a.push(i);')).toEqual([]);
    const coloured = normalizeDenoMessages([value('{ a: \u001b[33m1\u001b[39m, s: \u001b[32m"str"\u001b[39m }')], 'o');
    expect(messagesToOutputs(coloured)).toEqual([{ output_type: 'stream', name: 'stdout', text: '{ a: 1, s: "str" }\n' }]);
    expect(stripAnsi('\u001b[1m\u001b[31merror\u001b[0m')).toBe('error');
  });

  it('keeps a rich value and everything else as it came, streams unchanged', () => {
    const rich = msg('execute_result', { execution_count: 1, data: { 'text/html': '<b>x</b>', 'text/plain': 'x' }, metadata: {} });
    const display = msg('display_data', { data: { 'text/html': '<p>' }, metadata: {}, transient: {} });
    const colouredStream = stream('\u001b[32mgreen\u001b[39m\n');
    const got = normalizeDenoMessages([display, colouredStream, rich], 'x');
    expect(got).toEqual([display, colouredStream, rich]);
  });

  it('names each normalization once', () => {
    expect(DENO_NORMALIZATIONS).toHaveLength(7);
    expect(new Set(DENO_NORMALIZATIONS.map((n) => n.split(':')[0]))).toEqual(new Set(['late output', 'last value', 'completion value of a cell that does not end in an expression statement', 'ANSI colours', 'execute_input', 'numbers', 'own files']));
  });
});

describe('crossKernelTolerance: numbers of two kernels\' runs', () => {
  const config = { relative: 1e-6, absolute: 1e-9 };

  it("takes the PLD accountant's δ of the two engines (recorded: 06's privacy profile at ε 1) and nothing more", () => {
    const tol = crossKernelTolerance(config);
    expect(tol).toEqual({ relative: 1e-6, absolute: 1e-8 });
    // Node 20 and Deno 2.9.6, pldDelta at q = 1/6000, σ = 1, 3e6 steps, ε = 1: 1.3e-6 apart relatively.
    expect(textsMatch('0.0007966348189793486', '0.0007966337500722214', config)).toBe(false);
    expect(textsMatch('0.0007966348189793486', '0.0007966337500722214', tol)).toBe(true);
    // A difference that shows when printed (accuracy 0.799 against 0.804) still fails.
    expect(textsMatch('forest 0.799', 'forest 0.804', tol)).toBe(false);
    expect(textsMatch('3.974485436516739e-9', '3.1767906304738805e-9', tol)).toBe(true);
    expect(textsMatch('2e-8', '4e-8', tol)).toBe(false);
  });

  it('keeps a wider configured tolerance', () => {
    expect(crossKernelTolerance({ relative: 1e-3, absolute: 1e-4 })).toEqual({ relative: 1e-3, absolute: 1e-4 });
  });
});

describe("kernelFileRenames and renameKernelFiles: each kernel's own run folder", () => {
  const profile = { runsDir: '../runs/smoke-{kernel}', cohortFile: '../runs/smoke-{kernel}/cohort.json', epochs: 5, note: 'plain' };

  it("pairs the reference kernel's paths with this kernel's, longest first", () => {
    expect(kernelFileRenames(profile, 'tslab', 'deno')).toEqual([
      ['../runs/smoke-tslab/cohort.json', '../runs/smoke-deno/cohort.json'],
      ['../runs/smoke-tslab', '../runs/smoke-deno'],
    ]);
    expect(kernelFileRenames({ epochs: 5 }, 'tslab', 'deno')).toEqual([]);
  });

  it('renames those strings in outputs only, everywhere in them, and nothing else', () => {
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { cell_type: 'markdown', id: 'm', metadata: {}, source: 'saved to ../runs/smoke-tslab' },
        {
          cell_type: 'code', id: 'c', metadata: {}, execution_count: 1, source: "console.log('../runs/smoke-tslab')",
          outputs: [
            { output_type: 'stream', name: 'stdout', text: ['saved 6483 patients to ../runs/smoke-tslab/cohort.json\n', 'runs in ../runs/smoke-tslab\n'] },
            { output_type: 'display_data', metadata: {}, data: { 'text/html': '<p>../runs/smoke-tslab</p>', 'application/json': { dir: '../runs/smoke-tslab', n: 3 } } },
            { output_type: 'stream', name: 'stdout', text: 'runs/smoke-tslabx and ../runs/smoke-tslab2 are other names\n' },
          ],
        },
      ],
    } as unknown as Parameters<typeof renameKernelFiles>[0];
    const got = renameKernelFiles(nb, kernelFileRenames(profile, 'tslab', 'deno')) as unknown as { cells: Array<{ source: string; outputs?: unknown[] }> };
    expect(got.cells[0].source).toBe('saved to ../runs/smoke-tslab');
    expect(got.cells[1].source).toBe("console.log('../runs/smoke-tslab')");
    expect(got.cells[1].outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: ['saved 6483 patients to ../runs/smoke-deno/cohort.json\n', 'runs in ../runs/smoke-deno\n'] },
      { output_type: 'display_data', metadata: {}, data: { 'text/html': '<p>../runs/smoke-deno</p>', 'application/json': { dir: '../runs/smoke-deno', n: 3 } } },
      // Whole names only: a longer name that starts the same is another folder.
      { output_type: 'stream', name: 'stdout', text: 'runs/smoke-tslabx and ../runs/smoke-tslab2 are other names\n' },
    ]);
  });
});
