/**
 * Showing a figure in a tslab notebook: ONE display_data output whose MIME
 * bundle carries
 *
 * - `application/vnd.plotly.v1+json`: the spec (JupyterLab with the plotly
 *   extension, VS Code, nbviewer's plotly support draw this);
 * - `text/html`: a div + script drawing it with plotly.js in plain JupyterLab
 *   without extensions; plotly.js is inlined into the first figure of the
 *   kernel only (see html.ts for the trade-off);
 * - `image/png`: a static rendering (headless Chromium) so the notebook reads
 *   on GitHub and wherever scripts do not run; left out, with one note on
 *   stderr, when no browser is found;
 * - `text/plain`: a one-line description for text-only frontends.
 *
 * tslab's public `display.*` API emits one MIME type per call, so the bundle
 * goes through tslab's internal display-data writer
 * (`tslab/dist/jupyter.js`'s `lastWriteDisplayData`, set for the cell being
 * executed). If a tslab release changes that internal, `show` degrades to
 * `tslab.display.html(...)` (interactive figure only) and says so once.
 *
 * Always `await show(fig)`: the PNG is rendered asynchronously and the output
 * must be written while its cell is still the one executing.
 */
import { renderImage, browserAvailable, CHROMIUM_INSTALL_HINT } from './browser';
import { figureHtml } from './html';
import { hashText, plotsState, warnOnce } from './runtime';
import type { Figure } from './types';

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

/** The data of one display_data message. */
export interface MimeBundle {
  [PLOTLY_MIME]: Figure;
  'text/html': string;
  /** Base64 PNG (absent when no browser is available). */
  'image/png'?: string;
  'text/plain': string;
}

/** What tslab's internal writer takes: the display_data content. */
export interface DisplayData {
  data: { [mime: string]: unknown };
  metadata: { [mime: string]: unknown };
  transient?: { display_id?: string };
}
export type DisplayWriter = (data: DisplayData, update: boolean) => void;

export interface ShowOptions {
  /** Add the static image/png (default true; needs Chromium). */
  png?: boolean;
  /** PNG size in CSS pixels (default: the layout's) and pixel ratio (default 1). */
  width?: number;
  height?: number;
  scale?: number;
  /**
   * Inline plotly.js into this output's HTML: by default only for the first
   * figure shown in the kernel. Pass true to re-include it (e.g. after the
   * first figure's output was cleared).
   */
  includePlotly?: boolean;
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

/**
 * Builds the MIME bundle for `fig` without displaying it. Each call takes the
 * next figure number of the kernel (for the div id); whether plotly.js is
 * inlined follows `options.includePlotly`, else whether a previous `show`
 * already inlined it.
 */
export async function figureBundle(fig: Figure, options: ShowOptions = {}): Promise<MimeBundle> {
  const state = plotsState();
  const spec = canonicalSpec(fig);
  const json = JSON.stringify(spec);
  const id = `sprint-plot-${++state.shown}-${hashText(json)}`;
  const includePlotly = options.includePlotly ?? !state.libraryIncluded;
  const bundle: MimeBundle = {
    [PLOTLY_MIME]: spec,
    'text/html': figureHtml(spec, { id, includePlotly }),
    'text/plain': describeFigure(spec),
  };
  if (options.png ?? true) {
    const png = await pngOrNull(spec, options);
    if (png) bundle['image/png'] = png.toString('base64');
  }
  return bundle;
}

async function pngOrNull(fig: Figure, options: ShowOptions): Promise<Buffer | null> {
  if (!browserAvailable()) {
    warnOnce(
      'show:no-browser',
      `lib/plots show(): no Chromium found, so figures are shown without their image/png (GitHub and nbviewer will not show them); ${CHROMIUM_INSTALL_HINT}.`,
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
 * tslab's internal writer for the executing cell, or null outside a kernel
 * (or if tslab's internals changed). Looked up in the module cache, so it is
 * the running kernel's copy of tslab whatever the resolution paths.
 */
export function tslabDisplayWriter(): DisplayWriter | null {
  const cache = require.cache;
  for (const key of Object.keys(cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(key)) continue;
    const exp = cache[key]?.exports as { lastWriteDisplayData?: unknown } | undefined;
    const w = exp?.lastWriteDisplayData;
    if (typeof w === 'function') return (data, update) => (w as DisplayWriter).call(exp, data, update);
  }
  return null;
}

function tslabPublicHtml(): ((html: string) => void) | null {
  // Only inside a process that runs tslab (a kernel); loading tslab elsewhere
  // would pull its TypeScript compiler for nothing.
  if (!Object.keys(require.cache).some((k) => /[\\/]tslab[\\/]dist[\\/]/.test(k))) return null;
  try {
    const tslab = require('tslab') as { display?: { html?: (s: string) => void } };
    const html = tslab.display?.html;
    return typeof html === 'function' ? (s: string) => html.call(tslab.display, s) : null;
  } catch {
    return null;
  }
}

/**
 * Displays `fig` in the notebook as one output (plotly JSON + HTML + PNG).
 * `await` it. Outside a tslab kernel it prints a note and displays nothing.
 */
export async function show(fig: Figure, options: ShowOptions = {}): Promise<void> {
  const state = plotsState();
  const bundle = await figureBundle(fig, options);
  const includedHere = bundle['text/html'].startsWith('<script type="text/javascript">/* plotly.js');
  const writer = tslabDisplayWriter();
  if (writer) {
    writer({ data: { ...bundle }, metadata: {} }, false);
    if (includedHere) state.libraryIncluded = true;
    return;
  }
  const html = tslabPublicHtml();
  if (html) {
    try {
      html(bundle['text/html']);
      if (includedHere) state.libraryIncluded = true;
      warnOnce(
        'show:fallback',
        "lib/plots show(): tslab's internal display writer was not found (tslab changed?); showing the HTML version only (no plotly JSON, no PNG).",
      );
      return;
    } catch {
      // tslab present but not running a cell: not in a kernel
    }
  }
  warnOnce('show:no-kernel', 'lib/plots show(): not running in a tslab kernel, nothing displayed; use exportFigure() to write image files.');
}

/**
 * Forgets that plotly.js was inlined, so the next `show` inlines it again
 * (after clearing the first figure's output, or in tests).
 */
export function resetDisplayState(): void {
  const s = plotsState();
  s.libraryIncluded = false;
  s.shown = 0;
}
