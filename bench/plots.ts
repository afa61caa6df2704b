/**
 * lib/plots timings: static export through the shared headless Chromium.
 *
 * Baseline (same run): the floor any Plotly-in-Chromium export pays, measured
 * with playwright-core directly (launch + a page loading plotly.js; then a
 * bare Plotly.toImage call in that warm page).
 *
 * `npm run bench -- plots` (or `npx tsx bench/plots.ts`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchRow } from './notebook-runner';
import { closeBrowser, exportFigure, figure2, findBrowser, figureBundle } from '../lib/plots';
import { launchOptions } from '../lib/plots/browser';
import { plotlyScript } from '../lib/plots/runtime';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const series = (a: number, k = 1) => Array.from({ length: 12 }, (_, i) => a - k * i);
const FIG = figure2(
  { real: { standard: series(150), intensive: series(140, 2) }, nonPrivate: { standard: series(148), intensive: series(138, 2) }, private: { standard: series(145), intensive: series(135, 2) } },
  { panel: 'A' },
);

async function baseline(repeats: number): Promise<{ coldMs: number; warmMs: number }> {
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const choice = findBrowser();
  if (!choice) throw new Error('bench/plots: no browser');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-plots-base-'));
  const page = path.join(dir, 'p.html');
  fs.writeFileSync(page, `<!DOCTYPE html><html><head><script src="${pathToFileURL(plotlyScript().file).href}"></script></head><body></body></html>`);
  const t0 = performance.now();
  const browser = await chromium.launch(await launchOptions(choice));
  const p = await browser.newPage();
  await p.goto(pathToFileURL(page).href);
  const js = `window.Plotly.toImage(${JSON.stringify(FIG)}, { format: 'png', width: 700, height: 450 })`;
  await p.evaluate(js);
  const coldMs = performance.now() - t0;
  const warm: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await p.evaluate(js);
    warm.push(performance.now() - t);
  }
  await browser.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { coldMs, warmMs: median(warm) };
}

export async function benchPlots(repeats = 5): Promise<BenchRow[]> {
  if (!findBrowser()) {
    console.error('bench/plots: no Chromium found (apt-get install -y chromium, or on Linux x64 `npm ci`); skipped.');
    return [];
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-plots-'));
  try {
    const base = await baseline(repeats);
    await closeBrowser();
    let t = performance.now();
    await exportFigure(FIG, 'cold', { dir, formats: ['png'] });
    const cold = performance.now() - t;
    const warm: number[] = [];
    const both: number[] = [];
    const bundle: number[] = [];
    for (let i = 0; i < repeats; i++) {
      t = performance.now();
      await exportFigure(FIG, `warm${i}`, { dir, formats: ['png'] });
      warm.push(performance.now() - t);
      t = performance.now();
      await exportFigure(FIG, `both${i}`, { dir });
      both.push(performance.now() - t);
      t = performance.now();
      await figureBundle(FIG);
      bundle.push(performance.now() - t);
    }
    const found = findBrowser();
    const backend = `chromium ${found ? `${path.basename(found.executable)} (${found.source})` : '?'} / playwright direct`;
    const row = (name: string, ours: number, base: number | null): BenchRow => ({ name, ours_ms: ours, baseline_ms: base, ratio: base ? ours / base : null, backend });
    return [
      row('plots: first PNG export (cold: launch + plotly.js)', cold, base.coldMs),
      row('plots: PNG export 700x450 (warm)', median(warm), base.warmMs),
      row('plots: PNG + SVG export (warm)', median(both), null),
      row('plots: show() bundle incl. PNG (warm)', median(bundle), null),
    ];
  } finally {
    await closeBrowser();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchPlots().then((rows) => console.table(rows));
}
