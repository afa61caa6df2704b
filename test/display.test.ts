/**
 * lib/display.ts with stand-ins for the two kernels: tslab's internal
 * display-data writer (the real tslab/dist/jupyter.js module, as in a tslab
 * kernel) and `Deno.jupyter.broadcast`. Under tslab, `html` must send what
 * `tslab.display.html` sends (the notebooks' stored outputs were made with
 * it); test/notebook-runner/kernels.test.ts checks the same in real kernels.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { displayData, html, notebookKernel, stderr, stdout, tslabWriter } from '../lib/display';
import { captureTslabDisplay } from './plots/helpers';

type Sent = { msgType: string; content: Record<string, unknown> };

/** Installs `globalThis.Deno.jupyter` as `deno jupyter` has it; returns what was broadcast. */
function fakeDenoKernel(): { sent: Sent[]; restore: () => void } {
  const sent: Sent[] = [];
  const g = globalThis as { Deno?: unknown };
  const before = g.Deno;
  g.Deno = { jupyter: { broadcast: async (msgType: string, content: Record<string, unknown>) => void sent.push({ msgType, content }) } };
  return { sent, restore: () => (before === undefined ? delete g.Deno : (g.Deno = before)) };
}

afterEach(() => vi.restoreAllMocks());

describe('outside a kernel', () => {
  it('no kernel; stdout and stderr are the process streams; html prints a note', () => {
    expect(notebookKernel()).toBeNull();
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    stdout.write('a\r');
    stderr.write('b\n');
    expect(displayData({ data: { 'text/plain': 'x' }, metadata: {} })).toBe(false);
    html('<b>x</b>');
    expect(out.mock.calls.map((c) => c[0])).toEqual(['a\r']);
    expect(err.mock.calls.map((c) => c[0])).toEqual(['b\n', 'html(): not running in a notebook kernel (tslab or Deno), nothing displayed\n']);
  });
});

describe('under tslab', () => {
  let capture: ReturnType<typeof captureTslabDisplay>;
  beforeEach(() => (capture = captureTslabDisplay()));
  afterEach(() => capture.restore());

  it('html sends exactly what tslab.display.html sends', () => {
    expect(notebookKernel()).toBe('tslab');
    const s = '<table><tr><td>ε 1.6</td></tr></table>';
    (require('tslab') as { display: { html(s: string): void } }).display.html(s);
    html(s);
    expect(capture.outputs).toHaveLength(2);
    expect(JSON.stringify(capture.outputs[1])).toBe(JSON.stringify(capture.outputs[0]));
    expect(capture.outputs[1]).toEqual({ data: { 'text/html': s }, metadata: {}, transient: {} });
  });

  it('displayData passes the content through unchanged; stdout and stderr are what tslab captures', () => {
    const content = { data: { 'image/png': 'iVBOR', 'text/plain': 'a figure' }, metadata: {} };
    expect(displayData(content)).toBe(true);
    expect(capture.outputs).toEqual([content]);
    expect(tslabWriter()).not.toBeNull();
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    stdout.write('\repoch 1/2');
    expect(out.mock.calls.map((c) => c[0])).toEqual(['\repoch 1/2']);
  });
});

describe("under Deno's kernel", () => {
  let deno: ReturnType<typeof fakeDenoKernel>;
  beforeEach(() => (deno = fakeDenoKernel()));
  afterEach(() => deno.restore());

  it('html, displayData and the streams become broadcasts with the messages tslab sends', () => {
    expect(notebookKernel()).toBe('deno');
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    html('<p>x</p>');
    displayData({ data: { 'text/plain': 'y' }, metadata: {} });
    stdout.write('\rbar 1');
    stderr.write('warning\n');
    expect(out).not.toHaveBeenCalled(); // Deno's kernel would drop it
    expect(deno.sent).toEqual([
      { msgType: 'display_data', content: { data: { 'text/html': '<p>x</p>' }, metadata: {}, transient: {} } },
      { msgType: 'display_data', content: { data: { 'text/plain': 'y' }, metadata: {} } },
      { msgType: 'stream', content: { name: 'stdout', text: '\rbar 1' } },
      { msgType: 'stream', content: { name: 'stderr', text: 'warning\n' } },
    ]);
  });

  it('outside `deno jupyter`, where reading Deno.jupyter throws, it is no kernel', () => {
    const g = globalThis as { Deno?: unknown };
    g.Deno = Object.defineProperty({}, 'jupyter', {
      get() {
        throw new Error('Deno.jupyter is only available in `deno jupyter` subcommand');
      },
    });
    expect(notebookKernel()).toBeNull();
  });
});
