/**
 * Everything that needs headless Chromium: the PNG in the display bundle,
 * static export (PNG/SVG sizes), and the render check (the notebook HTML
 * output really draws a plot). Fails, never skips, when Chromium is missing.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  closeBrowser,
  correlationHeatmap,
  exportFigure,
  featureCorrelation,
  figure2,
  lossCurves,
  resetDisplayState,
  show,
} from '../../lib/plots';
import type { DisplayData, Figure } from '../../lib/plots';
import { evaluateJs, withPage } from '../../lib/plots/browser';
import type { PageLike } from '../../lib/plots/browser';
import { captureTslabDisplay, pngSize, requireChromium, svgSize } from './helpers';
import { series, tinyCohort } from './fixtures';

function fig2(): Figure {
  return figure2(
    {
      real: { standard: series(150), intensive: series(140, 2) },
      nonPrivate: { standard: series(148), intensive: series(138, 2) },
      private: { standard: series(145), intensive: series(135, 2) },
    },
    { panel: 'A' },
  );
}

let dir: string;
let bundles: DisplayData[] = [];

beforeAll(async () => {
  requireChromium();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plots-chromium-'));
  // Two figures shown as a notebook would: the first carries plotly.js.
  resetDisplayState();
  const capture = captureTslabDisplay();
  try {
    await show(fig2());
    await show(lossCurves([1, 2, 3, 4].map((epoch) => ({ epoch, trainGenLoss: 0.8 - epoch / 50, trainAuxLoss: 0.6, holdoutGenLoss: 0.75, holdoutAuxLoss: 0.62 }))));
  } finally {
    capture.restore();
  }
  bundles = capture.outputs;
}, 120_000);

afterAll(async () => {
  await closeBrowser();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Browser-side: insert an output's HTML the way JupyterLab does (innerHTML, then re-created scripts). */
const INSERT_OUTPUT_JS = `function (html) {
  var host = document.createElement('div');
  host.className = 'jp-OutputArea-output';
  document.body.appendChild(host);
  host.innerHTML = html;
  var scripts = host.querySelectorAll('script');
  for (var i = 0; i < scripts.length; i++) {
    var old = scripts[i];
    var s = document.createElement('script');
    s.type = old.type || 'text/javascript';
    s.text = old.textContent;
    old.parentNode.replaceChild(s, old);
  }
  return scripts.length;
}`;

/** Browser-side: wait until every .sprint-gan-plot div has drawn its SVG; returns counts per div. */
const WAIT_DRAWN_JS = `function () {
  return new Promise(function (resolve) {
    var t0 = Date.now();
    (function poll() {
      var divs = Array.prototype.slice.call(document.querySelectorAll('.sprint-gan-plot'));
      var counts = divs.map(function (d) { return { id: d.id, mainSvg: d.querySelectorAll('.main-svg').length, traces: d.querySelectorAll('.scatterlayer .trace').length, text: d.textContent.slice(0, 60) }; });
      var done = divs.length > 0 && counts.every(function (c) { return c.mainSvg > 0 && c.traces > 0; });
      if (done || Date.now() - t0 > 20000) resolve(counts); else setTimeout(poll, 50);
    })();
  });
}`;

/** Browser-side: decode a PNG (base64) and count non-white pixels inside each rect. */
const NON_WHITE_JS = `function (a) {
  return new Promise(function (resolve, reject) {
    var img = new Image();
    img.onload = function () {
      var c = document.createElement('canvas');
      c.width = img.width; c.height = img.height;
      var ctx = c.getContext('2d');
      ctx.drawImage(img, 0, 0);
      resolve(a.rects.map(function (r) {
        var d = ctx.getImageData(r.x, r.y, r.width, r.height).data, n = 0;
        for (var i = 0; i < d.length; i += 4) if (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235) n++;
        return { nonWhite: n, total: r.width * r.height };
      }));
    };
    img.onerror = function () { reject(new Error('screenshot did not decode')); };
    img.src = 'data:image/png;base64,' + a.png;
  });
}`;

const RECTS_JS = `function () {
  return Array.prototype.slice.call(document.querySelectorAll('.sprint-gan-plot')).map(function (d) {
    var r = d.getBoundingClientRect();
    return { x: Math.round(r.left + window.scrollX), y: Math.round(r.top + window.scrollY), width: Math.round(r.width), height: Math.round(r.height) };
  });
}`;

async function nonWhite(page: PageLike, png: Buffer, rects: { x: number; y: number; width: number; height: number }[]): Promise<{ nonWhite: number; total: number }[]> {
  return evaluateJs(page, NON_WHITE_JS, { png: png.toString('base64'), rects });
}

describe('display bundle with PNG', () => {
  test('image/png is a PNG of the figure size; one bundle per show', () => {
    expect(bundles).toHaveLength(2);
    for (const b of bundles) {
      expect(Object.keys(b.data).sort()).toEqual(['application/vnd.plotly.v1+json', 'image/png', 'text/html', 'text/plain']);
      expect(pngSize(Buffer.from(b.data['image/png'] as string, 'base64'))).toEqual({ width: 700, height: 450 });
    }
  });
});

describe('render check: the HTML output draws in Chromium', () => {
  test('two outputs inserted like JupyterLab: plotly loads once, both plots draw, screenshot not blank', async () => {
    await withPage(async (page) => {
      await page.setViewportSize({ width: 900, height: 1100 });
      await page.setContent('<!DOCTYPE html><html><body style="margin:0;background:#fff"></body></html>');
      for (const b of bundles) await evaluateJs(page, INSERT_OUTPUT_JS, b.data['text/html']);
      const counts = await evaluateJs<{ id: string; mainSvg: number; traces: number }[]>(page, WAIT_DRAWN_JS, null);
      expect(counts).toHaveLength(2);
      for (const c of counts) {
        expect(c.mainSvg).toBeGreaterThan(0);
        expect(c.traces).toBeGreaterThan(0);
      }
      expect(counts[0].traces).toBe(6); // Figure 2A: six series
      const rects = await evaluateJs<{ x: number; y: number; width: number; height: number }[]>(page, RECTS_JS, null);
      const shot = await page.screenshot({ fullPage: true, type: 'png' });
      const px = await nonWhite(page, shot, rects);
      for (const p of px) expect(p.nonWhite / p.total).toBeGreaterThan(0.01); // lines, markers, text drawn
    });
  });

  test('a later figure rendered before the first one waits for plotly.js, then draws', async () => {
    await withPage(async (page) => {
      await page.setContent('<!DOCTYPE html><html><body></body></html>');
      await evaluateJs(page, INSERT_OUTPUT_JS, bundles[1].data['text/html']);
      const waiting = await evaluateJs<string>(page, "function () { return document.querySelector('.sprint-gan-plot').textContent; }", null);
      expect(waiting).toMatch(/Waiting for plotly\.js/);
      await evaluateJs(page, INSERT_OUTPUT_JS, bundles[0].data['text/html']);
      const counts = await evaluateJs<{ mainSvg: number; traces: number }[]>(page, WAIT_DRAWN_JS, null);
      expect(counts.map((c) => c.mainSvg > 0 && c.traces > 0)).toEqual([true, true]);
    });
  });
});

describe('exportFigure through Chromium', () => {
  test('PNG and SVG of the expected size, atomically written', async () => {
    const t0 = Date.now();
    const r = await exportFigure(fig2(), 'Figure_2A', { dir });
    const ms = Date.now() - t0;
    expect(r.fallback).toBe(false);
    expect(r.files).toEqual([path.join(dir, 'Figure_2A.png'), path.join(dir, 'Figure_2A.svg')]);
    expect(pngSize(fs.readFileSync(r.files[0]))).toEqual({ width: 700, height: 450 });
    const svg = fs.readFileSync(r.files[1], 'utf8');
    expect(svgSize(svg)).toEqual({ width: 700, height: 450 });
    expect(svg).toContain('class="main-svg"');
    expect(svg).toContain('Figure 2A: Last epoch');
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    console.log(`exportFigure png+svg (browser warm): ${ms} ms`);
  });

  test('the same figure gives the same SVG bytes every time (no random ids)', async () => {
    const heat = correlationHeatmap(featureCorrelation(tinyCohort().x), { title: 'Real' });
    const a = fs.readFileSync((await exportFigure(heat, 'Same', { dir, formats: ['svg'] })).files[0], 'utf8');
    const b = fs.readFileSync((await exportFigure(heat, 'Same', { dir, formats: ['svg'] })).files[0], 'utf8');
    expect(b).toBe(a);
    expect(a).toContain('id="defs-sprint"');
    expect(a).toContain('url(#clipsprintxyplot)');
  });

  test('width/height/scale options; the PNG is not blank', async () => {
    const heat = correlationHeatmap(featureCorrelation(tinyCohort().x), { title: 'Real' });
    const r = await exportFigure(heat, 'Heatmap', { dir, formats: ['png'], width: 500, height: 480, scale: 2 });
    const png = fs.readFileSync(r.files[0]);
    expect(pngSize(png)).toEqual({ width: 1000, height: 960 });
    const r2 = await exportFigure(heat, 'Heatmap', { dir, formats: ['svg', 'html'] });
    expect(svgSize(fs.readFileSync(r2.files[0], 'utf8'))).toEqual({ width: 720, height: 680 });
    expect(fs.readFileSync(r2.files[1], 'utf8')).toContain('<!DOCTYPE html>');
    await withPage(async (page) => {
      const [p] = await nonWhite(page, png, [{ x: 0, y: 0, width: 1000, height: 960 }]);
      expect(p.nonWhite / p.total).toBeGreaterThan(0.05);
    });
  });

  test('overwrites an existing file in place (rename), keeps other files', async () => {
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'x');
    fs.writeFileSync(path.join(dir, 'Figure_1D.png'), 'old');
    await exportFigure(lossCurves([{ epoch: 1, trainGenLoss: 0.7, trainAuxLoss: 0.6 }, { epoch: 2, trainGenLoss: 0.69, trainAuxLoss: 0.5 }]), 'Figure_1D', { dir, formats: ['png'] });
    expect(pngSize(fs.readFileSync(path.join(dir, 'Figure_1D.png')))).toEqual({ width: 700, height: 450 });
    expect(fs.readFileSync(path.join(dir, 'keep.txt'), 'utf8')).toBe('x');
  });
});
