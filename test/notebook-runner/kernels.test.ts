/**
 * The two kernels, for real: tslab and Deno's (`deno jupyter`, from the npm
 * package), started from the committed kernelspecs.
 *
 * - lib/display.ts sends, in a tslab kernel, the very messages the notebooks'
 *   stored outputs were made with: `html` what `tslab.display.html` sends,
 *   `stdout` what `process.stdout.write` sends, plots' `show` what the
 *   internal writer got before (compared as raw iopub message content).
 * - In Deno's kernel it sends the same contents.
 * - The runner waits for Deno's late output (the sentinel probe), and
 *   `--kernel deno --reference tslab` passes a notebook whose runs agree,
 *   fails one whose runs differ, and a Deno run fails on a type error.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kernel, kernelArgv, kernelEnv, kernelSpecDir, type KernelName } from '../../tools/notebook-runner/kernel';
import { runRunner } from './run-cli';
import type { JupyterMessage } from '../../tools/notebook-runner/protocol';
import { denoExecutable } from '../../tools/notebook-runner/deno';

const REPO = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(__dirname, 'fixtures');
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kernels-test-'));
  for (const name of ['lib', 'node_modules', 'deno.json']) fs.symlinkSync(path.join(REPO, name), path.join(dir, name));
  fs.copyFileSync(path.join(FIXTURES, 'runner.config.json'), path.join(dir, 'runner.config.json'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function start(name: KernelName): Promise<Kernel> {
  return Kernel.start({ cwd: dir, env: kernelEnv(name), argv: (conn) => kernelArgv(conn, kernelSpecDir(name)), drain: name === 'deno' });
}

/** Runs `code`; returns the contents of its display_data and stream messages, as sent (JSON text). */
async function sent(k: Kernel, code: string): Promise<string[]> {
  const r = await k.execute(code, 120_000);
  if (r.status !== 'ok') throw new Error(`cell failed (${r.status}): ${code}\n${JSON.stringify(r.messages.map((m) => m.content))}`);
  return r.messages.filter((m) => ['display_data', 'stream'].includes(m.header.msg_type)).map((m) => `${m.header.msg_type} ${JSON.stringify(m.content)}`);
}

const HTML = '<table><tr><td>ε = 1.6, δ = 1e-5</td></tr></table>';
const FIGURE = "const fig: plots.Figure = { data: [{ type: 'scatter', x: [1, 2], y: [3, 4], name: 'a' }], layout: { title: { text: 'T' } } };";

describe('lib/display in real kernels', () => {
  let tslabSent: Record<string, string[]> = {};

  it('tslab: html, stdout and show send exactly what tslab.display.html, process.stdout.write and the internal writer sent', async () => {
    const k = await start('tslab');
    try {
      await sent(k, "import * as tslab from 'tslab';");
      await sent(k, "import { html, stdout } from './lib/display';");
      await sent(k, "import * as plots from './lib/plots/index';");
      await sent(k, FIGURE);
      const before = {
        html: await sent(k, `tslab.display.html(${JSON.stringify(HTML)});`),
        stream: await sent(k, "{ process.stdout.write('\\rbar 1/2'); }"),
        show: await sent(
          k,
          "const jupyter = require('tslab/dist/jupyter');\njupyter.lastWriteDisplayData({ data: { ...(await plots.figureBundle(fig, { png: false })) }, metadata: {} }, false);",
        ),
      };
      const now = {
        html: await sent(k, `html(${JSON.stringify(HTML)});`),
        stream: await sent(k, "{ stdout.write('\\rbar 1/2'); }"),
        show: await sent(k, 'await plots.show(fig, { png: false });'),
      };
      expect(now).toEqual(before);
      expect(now.html).toEqual([`display_data ${JSON.stringify({ data: { 'text/html': HTML }, metadata: {}, transient: {} })}`]);
      expect(now.show).toHaveLength(1);
      tslabSent = now;
    } finally {
      await k.shutdown();
    }
  }, 180_000);

  it("Deno: the same contents, through Deno.jupyter.broadcast (process.stdout.write would be dropped)", async () => {
    expect(tslabSent.html).toBeDefined();
    const k = await start('deno');
    try {
      await sent(k, "import { html, stdout } from './lib/display';\nimport * as plots from './lib/plots/index';");
      await sent(k, FIGURE);
      expect(await sent(k, "process.stdout.write('dropped\\n');")).toEqual([]);
      const now = {
        html: await sent(k, `html(${JSON.stringify(HTML)});`),
        stream: await sent(k, "{ stdout.write('\\rbar 1/2'); }"),
        show: await sent(k, 'await plots.show(fig, { png: false });'),
      };
      expect(now).toEqual(tslabSent);
    } finally {
      await k.shutdown();
    }
  }, 180_000);

  it("Deno: a cell's late output is waited for and stays with its cell", async () => {
    const k = await start('deno');
    try {
      const many = await k.execute("import { html } from './lib/display';\nfor (let i = 0; i < 300; i++) console.log('line', i);\nhtml('<i>end</i>');\n'last'", 60_000);
      const next = await k.execute("console.log('next');", 60_000);
      const kinds = (ms: JupyterMessage[]) => ms.filter((m) => m.header.msg_type !== 'execute_input').map((m) => m.header.msg_type);
      const lines = many.messages.filter((m) => m.header.msg_type === 'stream').map((m) => String(m.content.text)).join('');
      expect(lines).toBe(Array.from({ length: 300 }, (_, i) => `line ${i}\n`).join(''));
      expect(kinds(many.messages).slice(-2)).toEqual(['display_data', 'execute_result']);
      expect(many.requestIds).toHaveLength(2);
      expect(kinds(next.messages)).toEqual(['stream']);
      expect(next.messages.find((m) => m.header.msg_type === 'stream')?.content.text).toBe('next\n');
    } finally {
      await k.shutdown();
    }
  }, 120_000);
});

describe('the runner on Deno, compared with tslab', () => {
  /** A notebook in the shared workspace made of these code cells (parameters first). */
  function notebook(name: string, cells: string[]): string {
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: ["let n = 3;\nlet label = 'demo';", ...cells].map((source, i) => ({ cell_type: 'code', id: `c${i}`, metadata: i === 0 ? { tags: ['parameters'] } : {}, source, outputs: [], execution_count: null })),
    };
    const file = path.join(dir, `${name}.ipynb`);
    fs.writeFileSync(file, JSON.stringify(nb));
    return file;
  }
  const cli = (args: string[]) => runRunner(args, dir);
  const agreeing = [
    "import { html, stdout } from './lib/display';",
    "console.log(label, Array.from({ length: n }, (_, i) => i * i).join(','));",
    'html(`<b>${label}</b>`);',
    "for (let i = 0; i <= n; i++) stdout.write(`\\rprogress ${i}/${n}`);\nstdout.write('\\n');\nconsole.error('a warning');",
    "const lines = ['one', 'two \"quoted\"'];\nlines.join('\\n')",
    'const squares: number[] = [];\nfor (let i = 0; i < n; i++) squares.push(i * i);',
    'for (let i = 0; i < 200; i++) console.log(`row ${i}`);\n`rows: ${200}`',
  ];

  it('passes when the two runs agree, after the normalizations, and lists them', async () => {
    const file = notebook('agree', agreeing);
    const { code, out } = await cli([file, '--kernel', 'deno', '--reference', 'tslab', '--param', 'n=4']);
    expect(out).toContain('completion value of a cell that does not end in an expression statement: dropped');
    expect(out).toMatch(/PASS .*agree\.ipynb \[tslab\]/);
    expect(out).toMatch(/PASS .*agree\.ipynb \[deno\]/);
    expect(out.trim().split('\n').pop()).toBe('1 passed, 0 failed');
    expect(code).toBe(0);
  }, 180_000);

  it('fails, naming the cell and the difference, when the runs differ', async () => {
    const file = notebook('differ', [...agreeing.slice(0, 2), "console.log('runtime', typeof (globalThis as { Deno?: unknown }).Deno);"]);
    const { code, out } = await cli([file, '--kernel', 'deno', '--reference', 'tslab', '--param', 'n=4']);
    expect(out).toMatch(/FAIL .*differ\.ipynb \[deno\][\s\S]*cell 5 \[c3\][\s\S]*output differs from the tslab run[\s\S]*- runtime undefined\n\s*\+ runtime object/);
    expect(code).toBe(1);
  }, 180_000);

  it('a Deno run fails on a type error, in its cell, without running the notebook', async () => {
    const file = notebook('typed', ["const shown: number = label;\nconsole.log('should not run');"]);
    const { code, out } = await cli([file, '--kernel', 'deno']);
    expect(out).toMatch(/FAIL .*typed\.ipynb \[deno\][\s\S]*no cell was run: deno check found type errors[\s\S]*cell 2 \[c1\][\s\S]*line 1: TS2322: Type 'string' is not assignable to type 'number'/);
    expect(out).not.toContain('should not run');
    expect(code).toBe(1);
  }, 120_000);

  it('--kernel and --reference take tslab or deno, and --reference no --update', async () => {
    expect((await cli(['--kernel', 'python'])).out).toMatch(/--kernel must be one of tslab, deno, got 'python'/);
    expect((await cli(['--kernel', 'deno', '--reference', 'tslab', '--update'])).code).toBe(2);
    expect((await cli(['--kernel', 'deno', '--reference', 'deno'])).out).toMatch(/is the kernel being run/);
  });
});

describe('the Deno kernelspec', () => {
  it('starts the npm package launcher in Jupyter, and the binary itself in the runner', () => {
    const spec = JSON.parse(fs.readFileSync(path.join(kernelSpecDir('deno'), 'kernel.json'), 'utf8'));
    expect(spec.argv.slice(0, 2)).toEqual(['node', '{resource_dir}/../../node_modules/deno/bin.cjs']);
    expect(fs.existsSync(path.join(kernelSpecDir('deno'), '..', '..', 'node_modules', 'deno', 'bin.cjs'))).toBe(true);
    expect(kernelArgv('/tmp/c.json', kernelSpecDir('deno'))).toEqual([denoExecutable(), 'jupyter', '--kernel', '--conn', '/tmp/c.json']);
  });
});
