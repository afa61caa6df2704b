/**
 * Everything that needs headless Chromium: the PNG in the display bundle and
 * static export (PNG/SVG sizes, tags, not rewriting unchanged figures). Fails,
 * never skips, when Chromium is missing (on Linux x64 `npm ci` provides one).
 * How JupyterLab shows the bundle is test/plots/jupyterlab.test.ts.
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
  show,
} from '../../lib/plots';
import type { DisplayData, Figure } from '../../lib/plots';
import { evaluateJs, withPage } from '../../lib/plots/browser';
import { FIGURE_TAG_KEY, figureTag } from '../../lib/plots/export';
import { readTextChunk } from '../../lib/plots/png';
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
  // Two figures shown as a notebook would.
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

async function nonWhite(page: PageLike, png: Buffer, rects: { x: number; y: number; width: number; height: number }[]): Promise<{ nonWhite: number; total: number }[]> {
  return evaluateJs(page, NON_WHITE_JS, { png: png.toString('base64'), rects });
}

describe('display bundle with PNG', () => {
  test('image/png: a palette PNG of the figure size that is not blank; one bundle per show', async () => {
    expect(bundles).toHaveLength(2);
    for (const b of bundles) {
      expect(Object.keys(b.data).sort()).toEqual(['application/vnd.plotly.v1+json', 'image/png', 'text/plain']);
      const png = Buffer.from(b.data['image/png'] as string, 'base64');
      expect(pngSize(png)).toEqual({ width: 700, height: 450 });
      expect(png[25]).toBe(3); // IHDR colour type: indexed (compactPng)
      await withPage(async (page) => {
        const [p] = await nonWhite(page, png, [{ x: 0, y: 0, width: 700, height: 450 }]);
        expect(p.nonWhite / p.total).toBeGreaterThan(0.01); // lines, markers, text drawn
      });
    }
  });
});

describe('exportFigure through Chromium', () => {
  test('PNG and SVG of the expected size, atomically written', async () => {
    const t0 = Date.now();
    const r = await exportFigure(fig2(), 'Figure_2A', { dir });
    const ms = Date.now() - t0;
    expect(r.fallback).toBe(false);
    expect(r.files).toEqual([path.join(dir, 'Figure_2A.png'), path.join(dir, 'Figure_2A.svg')]);
    expect(r.unchanged).toEqual([]);
    expect(pngSize(fs.readFileSync(r.files[0]))).toEqual({ width: 700, height: 450 });
    expect(fs.readFileSync(r.files[0])[25]).toBe(3); // IHDR colour type: indexed (compactPng), like the notebooks' PNGs
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
    fs.rmSync(path.join(dir, 'Same.svg'));
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

  test('files record the figure they show; an unchanged figure is not rewritten, a changed one is', async () => {
    const f = fig2();
    const first = await exportFigure(f, 'Tagged', { dir });
    const [png, svg] = first.files;
    expect(readTextChunk(fs.readFileSync(png), FIGURE_TAG_KEY)).toBe(figureTag({ ...f, layout: { ...f.layout, width: 700, height: 450 } }, 'png', 700, 450, 1));
    expect(fs.readFileSync(svg, 'utf8')).toMatch(/^<!-- sprint-gan-ts-spec: [0-9a-f]{16} -->\n<svg/);
    const stamps = first.files.map((p) => fs.statSync(p).mtimeMs);
    const tag = readTextChunk(fs.readFileSync(png), FIGURE_TAG_KEY);
    const second = await exportFigure(f, 'Tagged', { dir });
    expect(second.unchanged).toEqual(first.files);
    expect(second.files.map((p) => fs.statSync(p).mtimeMs)).toEqual(stamps);
    const changed = await exportFigure(lossCurves([{ epoch: 1, trainGenLoss: 0.7, trainAuxLoss: 0.6 }]), 'Tagged', { dir, formats: ['png'] });
    expect(changed.unchanged).toEqual([]);
    expect(readTextChunk(fs.readFileSync(png), FIGURE_TAG_KEY)).not.toBe(tag);
  });

  test('overwrites an existing file in place (rename), keeps other files', async () => {
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'x');
    fs.writeFileSync(path.join(dir, 'Figure_1D.png'), 'old');
    await exportFigure(lossCurves([{ epoch: 1, trainGenLoss: 0.7, trainAuxLoss: 0.6 }, { epoch: 2, trainGenLoss: 0.69, trainAuxLoss: 0.5 }]), 'Figure_1D', { dir, formats: ['png'] });
    expect(pngSize(fs.readFileSync(path.join(dir, 'Figure_1D.png')))).toEqual({ width: 700, height: 450 });
    expect(fs.readFileSync(path.join(dir, 'keep.txt'), 'utf8')).toBe('x');
  });
});
