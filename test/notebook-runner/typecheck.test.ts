/**
 * The type check before a Deno run (tools/notebook-runner/typecheck.ts): the
 * module made of the cells, reading deno check's report back to cells and
 * lines, and a real `deno check` (the npm-installed Deno) on a small notebook.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cellsModule, checkCellsWithDeno, parseDenoCheck } from '../../tools/notebook-runner/typecheck';
import type { Notebook } from '../../tools/notebook-runner/notebook';

const REPO = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deno-check-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function notebook(cells: Array<string | [string, string[]] | { markdown: string }>): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: cells.map((c, i) =>
      typeof c === 'object' && !Array.isArray(c)
        ? { cell_type: 'markdown' as const, id: `m${i}`, metadata: {}, source: c.markdown }
        : { cell_type: 'code' as const, id: `c${i}`, metadata: Array.isArray(c) ? { tags: c[1] } : {}, source: Array.isArray(c) ? c[0] : c, outputs: [], execution_count: null },
    ),
  } as Notebook;
}

describe('the module of the cells', () => {
  it('runs the cells in order, each ended on a line of its own, skipping cells that do not run', () => {
    const nb = notebook([{ markdown: '# t' }, 'const a = 1\nconst b = a', ['while (true) {}', ['nbval-skip']], ['throw 1', ['nbval-raises']], '`${b}`']);
    const { source, spans } = cellsModule(nb);
    expect(source).toBe('const a = 1\nconst b = a\n;\n`${b}`\n;\nexport {};\n');
    expect(spans).toEqual([
      { cell: 2, from: 1, lines: 2 },
      { cell: 5, from: 4, lines: 1 },
    ]);
  });

  it("reads deno check's report back to cells and lines; errors elsewhere are named with their file", () => {
    const file = '/nb/.demo.deno-check-1-x.ts';
    const report = [
      "TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.",
      "let n: number = 's';",
      '    ^',
      `    at file://${file}:4:5`,
      '',
      "TS2304 [ERROR]: Cannot find name 'nope'.",
      'nope();',
      '^',
      '    at file:///repo/lib/x%20y.ts:10:1',
      '',
      'Found 2 errors.',
      '',
      'error: Type checking failed.',
    ].join('\n');
    expect(parseDenoCheck(report, file, [{ cell: 2, from: 1, lines: 2 }, { cell: 5, from: 4, lines: 1 }])).toEqual({
      diagnostics: [{ cell: 5, line: 1, message: "TS2322: Type 'string' is not assignable to type 'number'." }],
      other: ["TS2304: Cannot find name 'nope'. (/repo/lib/x y.ts:10:1)"],
    });
  });
});

describe('deno check of a notebook', () => {
  it('finds a type error in its cell and line, using the repository lib/ and deno.json; leaves no file behind', async () => {
    const dir = path.join(tmp, 'nb');
    fs.mkdirSync(dir);
    for (const name of ['lib', 'node_modules', 'deno.json']) fs.symlinkSync(path.join(REPO, name), path.join(dir, name));
    const nb = notebook([
      "import { html } from './lib/display';\nimport * as privacy from './lib/privacy/index';",
      "html('<b>x</b>');\nconst eps: number = privacy.epsilonFor({ q: 0.01, noiseMultiplier: 1, steps: 10, delta: 1e-5 });",
      // Not strict, as tslab compiles: an implicit any is fine.
      'function twice(x) { return 2 * x; }\nconst label: string = twice(eps);',
      ["const wrong: number = 'on purpose';", ['nbval-raises']],
    ]);
    const file = path.join(dir, 'demo.ipynb');
    const r = await checkCellsWithDeno(file, nb);
    expect(r.other).toEqual([]);
    expect(r.diagnostics).toEqual([{ cell: 3, line: 2, message: "TS2322: Type 'number' is not assignable to type 'string'." }]);
    expect(fs.readdirSync(dir).sort()).toEqual(['deno.json', 'lib', 'node_modules']);
    nb.cells[2] = { ...nb.cells[2], source: 'const label: string = `${eps}`;' } as Notebook['cells'][number];
    expect(await checkCellsWithDeno(file, nb)).toEqual({ diagnostics: [], other: [] });
  }, 120_000);
});
