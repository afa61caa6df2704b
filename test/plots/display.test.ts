/**
 * The notebook display bundle (no browser needed: PNG off or no browser),
 * the no-browser fallbacks of show and exportFigure, and finding a browser.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { PLOTLY_MIME, PlotError, defaultFiguresDir, exportFigure, figure2, figureBundle, findBrowser, show, standaloneHtml } from '../../lib/plots';
import type { Figure } from '../../lib/plots';
import type { BrowserLookup } from '../../lib/plots/browser';
import type { BundledChromium } from '../../lib/plots/bundled';
import { figureTag, tagFigureFile } from '../../lib/plots/export';
import { plotsState } from '../../lib/plots/runtime';
import { captureTslabDisplay, PNG_1X1 } from './helpers';
import { series } from './fixtures';

function fig(a = 140): Figure {
  return figure2({ real: { standard: series(a), intensive: series(a - 10) }, private: { standard: series(a - 2), intensive: series(a - 12) } }, { panel: 'A' });
}

let capture: ReturnType<typeof captureTslabDisplay>;
let savedChromium: string | undefined;
beforeEach(() => {
  plotsState().warned.clear();
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
  test('plotly JSON equal to the spec and text/plain; no text/html (a sanitizer would empty it)', async () => {
    const a = fig(140);
    const b = fig(150);
    await show(a, { png: false });
    await show(b, { png: false });
    expect(capture.outputs).toHaveLength(2);
    for (const out of capture.outputs) {
      expect(Object.keys(out.data).sort()).toEqual([PLOTLY_MIME, 'text/plain']);
      expect(out.metadata).toEqual({});
    }
    expect(capture.outputs[0].data[PLOTLY_MIME]).toEqual(a);
    expect(capture.outputs[1].data[PLOTLY_MIME]).toEqual(b);
    expect(capture.outputs[0].data['text/plain']).toBe(
      '<Plotly figure: Figure 2A: Last epoch - 4 traces: Real standard, Real intensive, Private standard, Private intensive>',
    );
  });

  test('the bundle is small and deterministic: the same figure gives the same JSON text', async () => {
    const one = JSON.stringify(await figureBundle(fig(), { png: false }));
    const two = JSON.stringify(await figureBundle(fig(), { png: false }));
    expect(two).toBe(one);
    expect(one.length).toBeLessThan(10_000); // no plotly.js (4.8 MB) in any output
  });

  test('the spec becomes clean JSON with sorted keys: NaN -> null, undefined dropped', async () => {
    const f = fig();
    (f.data[0].y as (number | null)[])[0] = NaN as unknown as number;
    (f.layout as Record<string, unknown>).zz = undefined;
    const spec = (await figureBundle(f, { png: false }))[PLOTLY_MIME];
    expect(spec.data[0].y?.[0]).toBeNull();
    expect('zz' in spec.layout).toBe(false);
    expect(Object.keys(spec.layout)).toEqual([...Object.keys(spec.layout)].sort());
  });

  test('without a browser: no image/png and one note on stderr naming what to do', async () => {
    process.env.SPRINT_CHROMIUM = 'none';
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await show(fig());
    await show(fig());
    expect(capture.outputs).toHaveLength(2);
    expect(capture.outputs[0].data['image/png']).toBeUndefined();
    const notes = err.mock.calls.map((c) => String(c[0])).filter((s) => s.includes('no Chromium found'));
    expect(notes).toHaveLength(1); // once per process, not once per figure
    expect(notes[0]).toMatch(/npm ci.*apt-get install -y chromium/);
  });

  test('outside a kernel: nothing displayed, a note instead of a crash', async () => {
    capture.restore();
    const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: unknown };
    jupyter.lastWriteDisplayData = null;
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await expect(show(fig(), { png: false })).resolves.toBeUndefined();
    expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/not running in a notebook kernel \(tslab or Deno\)/);
  }, 60_000);

  test("tslab's internal writer not where expected: degrades to tslab's public display, says so once", async () => {
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
    expect(capture.outputs[0].data).toEqual({ 'text/plain': expect.stringContaining('<Plotly figure: Figure 2A') });
    expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/internal display writer was not found/);
  }, 60_000);
});

describe('exportFigure without a browser', () => {
  let dir: string;
  beforeEach(() => {
    process.env.SPRINT_CHROMIUM = 'none';
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plots-export-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a figure to (re)write: writes <name>.html with plotly inlined and says so on stderr', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const r = await exportFigure(fig(), 'Figure_2A', { dir });
    expect(r).toEqual({ files: [path.join(dir, 'Figure_2A.html')], unchanged: [], fallback: true });
    expect(fs.readdirSync(dir)).toEqual(['Figure_2A.html']);
    const html = fs.readFileSync(r.files[0], 'utf8');
    expect(html).toBe(standaloneHtml({ ...fig(), layout: { ...fig().layout, width: 700, height: 450 } }, 'Figure_2A'));
    expect(html).toMatch(/^<!DOCTYPE html>[\s\S]*plotly\.js v?\d+\.\d+\.\d+[\s\S]*Plotly\.newPlot\(document\.getElementById\('figure'\)/);
    expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/exportFigure\(Figure_2A\): no Chromium found.*apt-get install -y chromium/);
  });

  test('files already tagged with this figure are left alone and need no browser', async () => {
    const sized = { ...fig(), layout: { ...fig().layout, width: 700, height: 450 } };
    const png = path.join(dir, 'Figure_2A.png');
    const svg = path.join(dir, 'Figure_2A.svg');
    fs.writeFileSync(png, tagFigureFile(PNG_1X1, 'png', figureTag(sized, 'png', 700, 450, 1)));
    fs.writeFileSync(svg, tagFigureFile('<svg width="700" height="450"></svg>', 'svg', figureTag(sized, 'svg', 700, 450, 1)));
    const before = [fs.readFileSync(png), fs.readFileSync(svg, 'utf8')];
    const r = await exportFigure(fig(), 'Figure_2A', { dir });
    expect(r).toEqual({ files: [png, svg], unchanged: [png, svg], fallback: false });
    expect([fs.readFileSync(png), fs.readFileSync(svg, 'utf8')]).toEqual(before);
    expect(fs.readdirSync(dir).sort()).toEqual(['Figure_2A.png', 'Figure_2A.svg']);
    // another figure under the same name is stale: it must be rendered (here: HTML, no browser)
    expect((await exportFigure(fig(150), 'Figure_2A', { dir })).fallback).toBe(true);
  });

  test('the standalone page escapes what could end its scripts: titles, trace names', () => {
    const f = fig();
    f.layout.title = { text: 'a </script><script>alert(1)</script> title' };
    f.data[0].name = '<!-- x';
    const html = standaloneHtml(f, '</title><b>');
    expect(html.match(/<\/script>/gi)).toHaveLength(2); // only the page's own two script elements
    expect(html).not.toContain('<!-- x');
    expect(html).toContain('<title>&lt;/title&gt;&lt;b&gt;</title>');
  });

  test('bad names and formats are PlotErrors', async () => {
    await expect(exportFigure(fig(), '../x')).rejects.toThrow(/bad name/);
    await expect(exportFigure(fig(), 'Figure_2A.png')).rejects.toThrow(/without extension/);
    await expect(exportFigure(fig(), 'F', { formats: ['gif' as never] })).rejects.toThrow(/unknown format/);
  });
});

describe('figure tags', () => {
  test('differ by spec, format, size and scale; are 16 hex digits; round-trip through PNG and SVG files', () => {
    const t = figureTag(fig(), 'png', 700, 450, 1);
    expect(t).toMatch(/^[0-9a-f]{16}$/);
    expect(figureTag(fig(), 'png', 700, 450, 1)).toBe(t);
    for (const other of [figureTag(fig(141), 'png', 700, 450, 1), figureTag(fig(), 'svg', 700, 450, 1), figureTag(fig(), 'png', 701, 450, 1), figureTag(fig(), 'png', 700, 450, 2)]) {
      expect(other).not.toBe(t);
    }
  });
});

describe('finding a browser', () => {
  const exe = process.execPath; // any executable file stands in for Chrome here
  const bundled: BundledChromium = { version: '143.0.4', binDir: '/pkg/bin', dir: '/cache/chromium-143.0.4' };
  const none: BrowserLookup = { systemPaths: [], pathNames: [], bundled: null };

  test('SPRINT_CHROMIUM, then CHROME_PATH; "none" disables; a bad path is an error', () => {
    expect(findBrowser({ SPRINT_CHROMIUM: exe, CHROME_PATH: '/nope' }, none)).toEqual({ source: 'SPRINT_CHROMIUM', executable: exe });
    expect(findBrowser({ CHROME_PATH: exe }, none)).toEqual({ source: 'CHROME_PATH', executable: exe });
    expect(findBrowser({ SPRINT_CHROMIUM: 'none', CHROME_PATH: exe }, { ...none, bundled })).toBeNull();
    expect(() => findBrowser({ SPRINT_CHROMIUM: '/no/such/chrome' }, none)).toThrow(PlotError);
    expect(() => findBrowser({ CHROME_PATH: '/no/such/chrome' }, none)).toThrow(/CHROME_PATH=\/no\/such\/chrome is not an executable/);
  });

  test('the system browser before the npm-shipped one; the npm-shipped one when the system has none', () => {
    const dir = path.dirname(exe);
    const name = path.basename(exe);
    expect(findBrowser({}, { systemPaths: ['/no/such', exe], pathNames: [], bundled })).toEqual({ source: 'system', executable: exe });
    expect(findBrowser({ PATH: `/nope${path.delimiter}${dir}` }, { systemPaths: [], pathNames: [name], bundled })).toEqual({ source: 'system', executable: exe });
    expect(findBrowser({ PATH: '' }, { ...none, bundled })).toEqual({ source: 'bundled', executable: '/cache/chromium-143.0.4/chromium', bundled });
    expect(findBrowser({ PATH: '' }, none)).toBeNull();
  });

  test('SPRINT_CHROMIUM=bundled takes the npm-shipped one over the system one, or says why it cannot', () => {
    expect(findBrowser({ SPRINT_CHROMIUM: 'bundled' }, { systemPaths: [exe], pathNames: [], bundled })?.source).toBe('bundled');
    expect(() => findBrowser({ SPRINT_CHROMIUM: 'bundled' }, { systemPaths: [exe], pathNames: [], bundled: null })).toThrow(/Linux x64 only.*@sparticuz\/chromium/);
  });

  test('figures/ at the repository root by default', () => {
    expect(defaultFiguresDir()).toBe(path.resolve(__dirname, '..', '..', 'figures'));
  });
});
