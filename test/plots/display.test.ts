/**
 * The notebook display bundle (no browser needed: PNG off or no browser) and
 * the no-browser fallbacks of show and exportFigure.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import {
  PLOTLY_MIME,
  PlotError,
  defaultFiguresDir,
  exportFigure,
  figure2,
  figureBundle,
  findBrowser,
  resetDisplayState,
  show,
  standaloneHtml,
} from '../../lib/plots';
import type { Figure } from '../../lib/plots';
import { plotsState } from '../../lib/plots/runtime';
import { captureTslabDisplay } from './helpers';
import { series } from './fixtures';

const LIB_MARKER = 'included once per notebook by sprint-gan-ts lib/plots';
const PLOTLY_HEADER = /plotly\.js v\d+\.\d+\.\d+/g;

function fig(a = 140): Figure {
  return figure2({ real: { standard: series(a), intensive: series(a - 10) }, private: { standard: series(a - 2), intensive: series(a - 12) } }, { panel: 'A' });
}

function count(haystack: string, needle: string | RegExp): number {
  return typeof needle === 'string' ? haystack.split(needle).length - 1 : (haystack.match(needle) ?? []).length;
}

let capture: ReturnType<typeof captureTslabDisplay>;
let savedChromium: string | undefined;
beforeEach(() => {
  resetDisplayState();
  capture = captureTslabDisplay();
  savedChromium = process.env.SPRINT_CHROMIUM;
});
afterEach(() => {
  capture.restore();
  if (savedChromium === undefined) delete process.env.SPRINT_CHROMIUM;
  else process.env.SPRINT_CHROMIUM = savedChromium;
  vi.restoreAllMocks();
});

describe('show: one display_data bundle through tslab', () => {
  test('MIME keys, plotly JSON equals the spec, plotly.js inlined once across two calls', async () => {
    const a = fig(140);
    const b = fig(150);
    await show(a, { png: false });
    await show(b, { png: false });
    expect(capture.outputs).toHaveLength(2);
    const [first, second] = capture.outputs;
    for (const out of capture.outputs) {
      expect(Object.keys(out.data).sort()).toEqual([PLOTLY_MIME, 'text/html', 'text/plain'].sort());
      expect(out.metadata).toEqual({});
    }
    expect(first.data[PLOTLY_MIME]).toEqual(a);
    expect(second.data[PLOTLY_MIME]).toEqual(b);
    const h1 = first.data['text/html'] as string;
    const h2 = second.data['text/html'] as string;
    // the library: once, in the first output only
    expect(count(h1, LIB_MARKER)).toBe(1);
    expect(count(h2, LIB_MARKER)).toBe(0);
    expect(count(h1 + h2, PLOTLY_HEADER)).toBe(1);
    expect(h1.length).toBeGreaterThan(1_000_000);
    expect(h2.length).toBeLessThan(20_000);
    expect(h1).toContain('if (!window.Plotly)');
    // the figures: a div each, drawn by newPlot, the second waits for the library if needed
    expect(h1).toMatch(/<div id="sprint-plot-1-[0-9a-f]{8}" class="sprint-gan-plot" style="width:700px;height:450px;"><\/div>/);
    expect(h2).toMatch(/<div id="sprint-plot-2-[0-9a-f]{8}"/);
    expect(h2).toContain('window.Plotly.newPlot(el, fig.data, fig.layout, config)');
    expect(h2).toContain('__sprintGanPlotsQueue');
    expect(first.data['text/plain']).toBe(
      '<Plotly figure: Figure 2A: Last epoch - 4 traces: Real standard, Real intensive, Private standard, Private intensive>',
    );
  });

  test('the HTML is deterministic: same figures in a fresh kernel state give the same bytes', async () => {
    await show(fig(140), { png: false });
    await show(fig(150), { png: false });
    const firstRun = capture.outputs.map((o) => o.data['text/html']);
    resetDisplayState();
    capture.outputs.length = 0;
    await show(fig(140), { png: false });
    await show(fig(150), { png: false });
    expect(capture.outputs.map((o) => o.data['text/html'])).toEqual(firstRun);
  });

  test('includePlotly: true re-inlines the library; specs become clean JSON; no "</script>" leaks from titles', async () => {
    const f = fig();
    f.layout.title = { text: 'a </script><script>alert(1)</script> title' };
    (f.data[0].y as (number | null)[])[0] = NaN as unknown as number;
    await show(f, { png: false });
    await show(f, { png: false, includePlotly: true });
    expect(count(capture.outputs[1].data['text/html'] as string, LIB_MARKER)).toBe(1);
    const spec = capture.outputs[0].data[PLOTLY_MIME] as Figure;
    expect(spec.data[0].y?.[0]).toBeNull();
    const html = capture.outputs[0].data['text/html'] as string;
    expect(html.match(/<\/script>/gi)).toHaveLength(2); // only our own two script tags
  });

  test('without a browser: no image/png and one note on stderr', async () => {
    process.env.SPRINT_CHROMIUM = 'none';
    plotsState().warned.clear();
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await show(fig());
    await show(fig());
    expect(capture.outputs).toHaveLength(2);
    expect(capture.outputs[0].data['image/png']).toBeUndefined();
    const notes = err.mock.calls.map((c) => String(c[0])).filter((s) => s.includes('no Chromium found'));
    expect(notes).toHaveLength(1); // once per process, not once per figure
    expect(notes[0]).toMatch(/apt-get install -y chromium/);
  });

  test('outside a kernel: nothing displayed, a note instead of a crash', async () => {
    capture.restore();
    const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: unknown };
    jupyter.lastWriteDisplayData = null;
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await expect(show(fig(), { png: false })).resolves.toBeUndefined();
    expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/not running in a tslab kernel/);
  }, 60_000);

  test("tslab's internal writer not where expected: degrades to tslab.display.html, says so once", async () => {
    const key = Object.keys(require.cache).find((k) => /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(k)) as string;
    const mod = require.cache[key];
    require('tslab'); // public.js keeps its own reference to the jupyter module
    delete require.cache[key];
    require.cache[key + '.moved'] = mod;
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await show(fig(), { png: false });
    } finally {
      delete require.cache[key + '.moved'];
      require.cache[key] = mod;
    }
    expect(capture.outputs).toHaveLength(1);
    expect(Object.keys(capture.outputs[0].data)).toEqual(['text/html']);
    expect(capture.outputs[0].data['text/html']).toContain('if (!window.Plotly)');
    expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/internal display writer was not found/);
  }, 60_000);

  test('figureBundle alone does not mark the library as included', async () => {
    const b1 = await figureBundle(fig(), { png: false });
    const b2 = await figureBundle(fig(), { png: false });
    expect(count(b1['text/html'], LIB_MARKER)).toBe(1);
    expect(count(b2['text/html'], LIB_MARKER)).toBe(1);
  });
});

describe('exportFigure without a browser', () => {
  test('writes <name>.html with plotly inlined and says so on stderr', async () => {
    process.env.SPRINT_CHROMIUM = 'none';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plots-export-'));
    try {
      const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const r = await exportFigure(fig(), 'Figure_2A', { dir });
      expect(r.fallback).toBe(true);
      expect(r.files).toEqual([path.join(dir, 'Figure_2A.html')]);
      expect(fs.readdirSync(dir)).toEqual(['Figure_2A.html']);
      const html = fs.readFileSync(r.files[0], 'utf8');
      expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
      expect(count(html, LIB_MARKER)).toBe(1);
      expect(html).toBe(standaloneHtml({ ...fig(), layout: { ...fig().layout, width: 700, height: 450 } }, 'Figure_2A'));
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/exportFigure\(Figure_2A\): no Chromium found.*apt-get install -y chromium/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad names and formats are PlotErrors', async () => {
    await expect(exportFigure(fig(), '../x')).rejects.toThrow(/bad name/);
    await expect(exportFigure(fig(), 'Figure_2A.png')).rejects.toThrow(/without extension/);
    await expect(exportFigure(fig(), 'F', { formats: ['gif' as never] })).rejects.toThrow(/unknown format/);
  });
});

describe('finding a browser', () => {
  test('SPRINT_CHROMIUM, then CHROME_PATH; "none" disables; a bad path is an error', () => {
    const exe = process.execPath; // any executable file stands in for Chrome here
    expect(findBrowser({ SPRINT_CHROMIUM: exe, CHROME_PATH: '/nope' })).toBe(exe);
    expect(findBrowser({ CHROME_PATH: exe })).toBe(exe);
    expect(findBrowser({ SPRINT_CHROMIUM: 'none', CHROME_PATH: exe })).toBeNull();
    expect(() => findBrowser({ SPRINT_CHROMIUM: '/no/such/chrome' })).toThrow(PlotError);
    expect(() => findBrowser({ CHROME_PATH: '/no/such/chrome' })).toThrow(/CHROME_PATH=\/no\/such\/chrome is not an executable/);
  });

  test('figures/ at the repository root by default', () => {
    expect(defaultFiguresDir()).toBe(path.resolve(__dirname, '..', '..', 'figures'));
  });
});
