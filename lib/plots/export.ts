/**
 * Static export of figures into figures/ (PNG and SVG, the paper's file
 * names: Figure_2A.png, Figure_2A.svg, ...) through the shared headless
 * Chromium. Without a browser it says so on stderr and writes a standalone
 * `<name>.html` (plotly.js inlined) instead, so nothing is silently missing.
 * Every file is written atomically (temp file + rename).
 */
import * as path from 'path';
import { CHROMIUM_INSTALL_HINT, browserAvailable, figureSize, renderImage } from './browser';
import { PlotError } from './errors';
import { standaloneHtml } from './html';
import { repoRoot, writeFileAtomic } from './runtime';
import type { Figure } from './types';

export type ExportFormat = 'png' | 'svg' | 'html';

export interface ExportOptions {
  /** Output folder; `<repo>/figures` by default. */
  dir?: string;
  /** Default ['png', 'svg']. */
  formats?: readonly ExportFormat[];
  /** Size in CSS pixels; the layout's width/height by default (else 700 x 450). */
  width?: number;
  height?: number;
  /** PNG pixel ratio: the PNG is width*scale x height*scale pixels. Default 1. */
  scale?: number;
}

export interface ExportResult {
  /** Files written, absolute paths, in the order of `formats`. */
  files: string[];
  /** True when no browser was found and HTML was written instead of images. */
  fallback: boolean;
}

/** Default output folder: figures/ at the repository root. */
export function defaultFiguresDir(): string {
  return path.join(repoRoot(), 'figures');
}

/**
 * Writes `fig` as `<dir>/<name>.<format>` for each format.
 *
 * ```ts
 * await exportFigure(figure2(medians, { panel: 'A' }), 'Figure_2A'); // figures/Figure_2A.png + .svg
 * ```
 */
export async function exportFigure(fig: Figure, name: string, options: ExportOptions = {}): Promise<ExportResult> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) || /\.(png|svg|html)$/i.test(name)) {
    throw new PlotError(`exportFigure: bad name "${name}"; use a bare file name without extension, e.g. "Figure_2A".`);
  }
  const dir = path.resolve(options.dir ?? defaultFiguresDir());
  const formats = options.formats ?? ['png', 'svg'];
  if (formats.length === 0) throw new PlotError('exportFigure: formats is empty.');
  for (const f of formats) {
    if (f !== 'png' && f !== 'svg' && f !== 'html') throw new PlotError(`exportFigure: unknown format "${f}"; use png, svg or html.`);
  }
  const { width, height } = figureSize(fig, options.width, options.height);
  const sized: Figure = { data: fig.data, layout: { ...fig.layout, width, height } };
  const files: string[] = [];
  const images = formats.filter((f) => f !== 'html');
  if (images.length > 0 && !browserAvailable()) {
    const file = path.join(dir, `${name}.html`);
    writeFileAtomic(file, standaloneHtml(sized, name));
    process.stderr.write(
      `exportFigure(${name}): no Chromium found, so ${images.join(' and ')} cannot be rendered; wrote ${file} instead. ` +
        `To get image files, ${CHROMIUM_INSTALL_HINT}.\n`,
    );
    return { files: [file], fallback: true };
  }
  for (const format of formats) {
    const file = path.join(dir, `${name}.${format}`);
    if (format === 'html') {
      writeFileAtomic(file, standaloneHtml(sized, name));
    } else {
      const out = await renderImage(sized, { format, width, height, scale: options.scale ?? 1 });
      writeFileAtomic(file, out);
    }
    files.push(file);
  }
  return { files, fallback: false };
}

/** Exports several figures: `{ Figure_2A: fig, ... }`. */
export async function exportFigures(figures: Record<string, Figure>, options: ExportOptions = {}): Promise<ExportResult[]> {
  const out: ExportResult[] = [];
  for (const name of Object.keys(figures)) out.push(await exportFigure(figures[name], name, options));
  return out;
}
