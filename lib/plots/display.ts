/**
 * Showing a figure in a tslab notebook: ONE display_data output whose MIME
 * bundle carries
 *
 * - `application/vnd.plotly.v1+json`: the spec, drawn interactively by
 *   Plotly's renderer (JupyterLab 4 and Notebook 7 with conda-forge `plotly`,
 *   which environment.yml installs; VS Code's Jupyter renderers);
 * - `image/png`: a static rendering (headless Chromium; a 256-colour palette
 *   PNG, see png.ts), which every other front end shows: JupyterLab without
 *   Plotly's renderer, trusted or not, GitHub, nbviewer (nbconvert);
 * - `text/plain`: a one-line description for text-only front ends.
 *
 * Deliberately NO `text/html`. JupyterLab prefers text/html (rank 50) to
 * image/png (rank 90), also for an untrusted notebook (a fresh clone), where
 * its sanitizer strips the scripts that would draw the plot: the output was
 * an empty box. And HTML that draws offline must carry plotly.js (4.8 MB)
 * in the notebook. With the bundle above an untrusted notebook shows the PNG,
 * Plotly's renderer (rank 2, "safe") takes the spec whether trusted or not
 * (showing the PNG until the pointer enters it, then the interactive plot),
 * and a notebook with 15 figures stays under 1 MB. What each front end shows
 * is in the README ("What each front end shows"); test/plots/jupyterlab.test.ts
 * renders the committed outputs with JupyterLab's own rendermime.
 *
 * tslab's public `display.*` API emits one MIME type per call, so the bundle
 * goes through tslab's internal display-data writer
 * (`tslab/dist/jupyter.js`'s `lastWriteDisplayData`, set for the cell being
 * executed); under Deno's kernel through `Deno.jupyter.broadcast` (both in
 * lib/display.ts). If a tslab release changes that internal, `show` degrades to
 * `tslab.display.png(...)` (static image only) and says so once.
 *
 * Always `await show(fig)`: the PNG is rendered asynchronously and the output
 * must be written while its cell is still the one executing.
 */
import { renderImage, browserAvailable, CHROMIUM_INSTALL_HINT } from './browser';
import { compactPng } from './png';
import { warnOnce } from './runtime';
import { displayData, tslabWriter, type DisplayContent } from '../display';
import { loadPackage, nodeRequire } from '../host';
import type { Figure } from './types';

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

/** The data of one display_data message. */
export interface MimeBundle {
  [PLOTLY_MIME]: Figure;
  /** Base64 PNG (absent when no browser is available). */
  'image/png'?: string;
  'text/plain': string;
}

/** What tslab's internal writer takes: the display_data content. */
export type DisplayData = DisplayContent;
export type DisplayWriter = (data: DisplayData, update: boolean) => void;

export interface ShowOptions {
  /** Add the static image/png (default true; needs Chromium). */
  png?: boolean;
  /** PNG size in CSS pixels (default: the layout's) and pixel ratio (default 1). */
  width?: number;
  height?: number;
  scale?: number;
}

/** One line describing the figure, for text/plain. */
export function describeFigure(fig: Figure): string {
  const title = fig.layout.title && typeof fig.layout.title.text === 'string' ? fig.layout.title.text : 'untitled';
  const names = fig.data.map((t) => t.name).filter((n): n is string => typeof n === 'string');
  return `<Plotly figure: ${title} - ${fig.data.length} trace${fig.data.length === 1 ? '' : 's'}${names.length ? `: ${names.join(', ')}` : ''}>`;
}

/**
 * A JSON-clean copy of the spec (no undefined, no typed arrays, NaN -> null)
 * with object keys sorted, so the stored output is canonical: notebook
 * writers that sort JSON keys (nbformat-style) store exactly what we emit.
 */
export function canonicalSpec(fig: Figure): Figure {
  return sortKeys(JSON.parse(JSON.stringify(fig))) as Figure;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const o = v as { [k: string]: unknown };
    const out: { [k: string]: unknown } = {};
    for (const k of Object.keys(o).sort()) out[k] = sortKeys(o[k]);
    return out;
  }
  return v;
}

/** Builds the MIME bundle for `fig` without displaying it. */
export async function figureBundle(fig: Figure, options: ShowOptions = {}): Promise<MimeBundle> {
  const spec = canonicalSpec(fig);
  const bundle: MimeBundle = { [PLOTLY_MIME]: spec, 'text/plain': describeFigure(spec) };
  if (options.png ?? true) {
    const png = await pngOrNull(spec, options);
    if (png) bundle['image/png'] = compactPng(png).toString('base64');
  }
  return bundle;
}

async function pngOrNull(fig: Figure, options: ShowOptions): Promise<Buffer | null> {
  if (!browserAvailable()) {
    warnOnce(
      'show:no-browser',
      `lib/plots show(): no Chromium found, so figures are shown without their image/png (only front ends with Plotly's renderer will show them); ${CHROMIUM_INSTALL_HINT}.`,
    );
    return null;
  }
  try {
    return (await renderImage(fig, { format: 'png', width: options.width, height: options.height, scale: options.scale })) as Buffer;
  } catch (e) {
    warnOnce('show:render-failed', `lib/plots show(): the PNG rendering failed, figures are shown without image/png: ${(e as Error).message}`);
    return null;
  }
}

/**
 * tslab's internal writer for the executing cell, or null outside a tslab
 * kernel (or if tslab's internals changed). Kept for callers of the earlier
 * API; lib/display.ts's `tslabWriter` is the same lookup.
 */
export function tslabDisplayWriter(): DisplayWriter | null {
  return tslabWriter();
}

interface TslabDisplay {
  png(b: Uint8Array): void;
  text(s: string): void;
}

function tslabPublicDisplay(): TslabDisplay | null {
  // Only inside a process that runs tslab (a kernel); loading tslab elsewhere
  // would pull its TypeScript compiler for nothing.
  const cache = nodeRequire().cache ?? {};
  if (!Object.keys(cache).some((k) => /[\\/]tslab[\\/]dist[\\/]/.test(k))) return null;
  try {
    const d = loadPackage<{ display?: Partial<TslabDisplay> }>('tslab').display;
    return d && typeof d.png === 'function' && typeof d.text === 'function' ? (d as TslabDisplay) : null;
  } catch {
    return null;
  }
}

/**
 * Displays `fig` in the notebook as one output (plotly JSON + PNG + text),
 * in tslab or Deno's kernel (lib/display.ts). `await` it. Outside a kernel
 * it prints a note and displays nothing.
 */
export async function show(fig: Figure, options: ShowOptions = {}): Promise<void> {
  const bundle = await figureBundle(fig, options);
  // The content tslab's writer has always been given: { data, metadata } (no transient).
  if (displayData({ data: { ...bundle }, metadata: {} })) return;
  const display = tslabPublicDisplay();
  if (display) {
    try {
      const png = bundle['image/png'];
      if (png) display.png(Buffer.from(png, 'base64'));
      else display.text(bundle['text/plain']);
      warnOnce(
        'show:fallback',
        "lib/plots show(): tslab's internal display writer was not found (tslab changed?); showing the static image only (no plotly JSON).",
      );
      return;
    } catch {
      // tslab present but not running a cell: not in a kernel
    }
  }
  warnOnce('show:no-kernel', 'lib/plots show(): not running in a notebook kernel (tslab or Deno), nothing displayed; use exportFigure() to write image files.');
}
