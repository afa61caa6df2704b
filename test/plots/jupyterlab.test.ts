/**
 * Every figure output of the committed notebooks, rendered by JupyterLab 4's
 * own output area (@jupyterlab/outputarea, @jupyterlab/rendermime's standard
 * renderer factories, @jupyterlab/apputils' Sanitizer; page code in
 * ./jupyterlab/page.mjs, bundled here by esbuild) in headless Chromium:
 *
 * - untrusted, as a fresh clone opens (and trusted), without Plotly's
 *   renderer: each figure must show at least MIN_INK non-white pixels. The
 *   HTML outputs this project used to write reduced to an empty box here.
 * - trusted, with a stand-in for Plotly's renderer (see page.mjs): JupyterLab
 *   must pick the plotly JSON, and Plotly must draw every trace. (The real
 *   renderer is "safe", so JupyterLab picks it for untrusted notebooks too.)
 *
 * It reads whatever notebooks are committed, so it checks the outputs people
 * will open, not fixtures.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closeBrowser } from '../../lib/plots';
import { evaluateJs, withPage } from '../../lib/plots/browser';
import type { PageLike } from '../../lib/plots/browser';
import { plotlyScript } from '../../lib/plots/runtime';
import { requireChromium } from './helpers';

/** Fewest non-white pixels a shown figure may have ("a few thousand"; the figures have 20-90 thousand). */
const MIN_INK = 3000;
const PLOTLY_MIME = 'application/vnd.plotly.v1+json';
const NOTEBOOKS = path.resolve(__dirname, '..', '..', 'notebooks');

interface FigureOutput {
  where: string;
  output: { output_type: string; data: Record<string, unknown>; metadata?: unknown };
}
interface Rendered {
  mime: string | null;
  html: string;
  plotlyTraces: number | null;
  mainSvgs: number;
  rect: { x: number; y: number; width: number; height: number };
}

/** The outputs of the committed notebooks that show a figure: plotly JSON, an image, or plotly HTML. */
function figureOutputs(): FigureOutput[] {
  const found: FigureOutput[] = [];
  for (const file of fs.readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb')).sort()) {
    const nb = JSON.parse(fs.readFileSync(path.join(NOTEBOOKS, file), 'utf8'));
    nb.cells.forEach((cell: { outputs?: FigureOutput['output'][] }, c: number) => {
      (cell.outputs ?? []).forEach((output, o) => {
        const data = output.data ?? {};
        const html = [data['text/html'] ?? ''].flat().join('');
        if (PLOTLY_MIME in data || Object.keys(data).some((m) => m.startsWith('image/')) || /plotly/i.test(html)) {
          found.push({ where: `${file} cell ${c + 1} output ${o + 1}`, output });
        }
      });
    });
  }
  return found;
}

let pageDir: string;
let pageUrl: string;
const figures = figureOutputs();

beforeAll(async () => {
  requireChromium();
  const esbuild = require('esbuild') as typeof import('esbuild');
  const bundle = await esbuild.build({
    entryPoints: [path.join(__dirname, 'jupyterlab', 'page.mjs')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    loader: { '.css': 'empty', '.svg': 'text' },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  pageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plots-jupyterlab-'));
  fs.writeFileSync(path.join(pageDir, 'jupyterlab.js'), bundle.outputFiles[0].text);
  fs.writeFileSync(
    path.join(pageDir, 'index.html'),
    `<!DOCTYPE html><html><head><meta charset="utf-8"><script src="${pathToFileURL(plotlyScript().file).href}"></script>` +
      `<script src="jupyterlab.js"></script></head><body style="margin:0;background:#fff"></body></html>`,
  );
  pageUrl = pathToFileURL(path.join(pageDir, 'index.html')).href;
}, 120_000);

afterAll(async () => {
  await closeBrowser();
  if (pageDir) fs.rmSync(pageDir, { recursive: true, force: true });
});

/** Non-white pixels (any channel below 235) in a PNG screenshot, counted from its decoded RGBA. */
function ink(png: Buffer): number {
  const upng = require('upng-js');
  const rgba = new Uint8Array(upng.toRGBA8(upng.decode(png.buffer.slice(png.byteOffset, png.byteOffset + png.length)))[0]);
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i] < 235 || rgba[i + 1] < 235 || rgba[i + 2] < 235) n++;
  return n;
}

async function renderAll(trusted: boolean, plotly: boolean): Promise<{ where: string; r: Rendered; ink: number }[]> {
  return withPage(async (page: PageLike) => {
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto(pageUrl, { waitUntil: 'load' });
    const out = [];
    for (const f of figures) {
      const r = await evaluateJs<Rendered>(page, 'window.renderOutput', { output: f.output, trusted, plotly });
      const clip = { x: r.rect.x, y: r.rect.y, width: Math.max(1, r.rect.width), height: Math.max(1, r.rect.height) };
      out.push({ where: f.where, r, ink: ink(await page.screenshot({ type: 'png', clip })) });
    }
    return out;
  });
}

describe('committed figure outputs in JupyterLab 4', () => {
  test('the notebooks have figure outputs to check', () => {
    expect(figures.length).toBeGreaterThanOrEqual(10);
  });

  for (const trusted of [false, true]) {
    test(`${trusted ? 'trusted' : 'untrusted (a fresh clone)'}, without Plotly's renderer: every figure shows an image with ink`, async () => {
      const shown = await renderAll(trusted, false);
      const blank = shown.filter((s) => s.ink < MIN_INK).map((s) => `${s.where}: ${s.r.mime} rendered, ${s.ink} non-white pixels (${s.r.html.slice(0, 120)})`);
      expect(blank).toEqual([]);
      for (const s of shown) expect(s.r.mime, s.where).toMatch(/^image\//);
    }, 180_000);
  }

  test("trusted, with Plotly's renderer: the plotly JSON is chosen and every trace drawn", async () => {
    const shown = await renderAll(true, true);
    for (const s of shown) {
      const spec = (figures.find((f) => f.where === s.where) as FigureOutput).output.data[PLOTLY_MIME] as { data: unknown[] };
      expect({ where: s.where, mime: s.r.mime, traces: s.r.plotlyTraces, svg: s.r.mainSvgs > 0, inked: s.ink >= MIN_INK }).toEqual({
        where: s.where,
        mime: PLOTLY_MIME,
        traces: spec.data.length,
        svg: true,
        inked: true,
      });
    }
  }, 180_000);
});
