/**
 * Static export of figures into figures/ (PNG and SVG, the paper's file
 * names: Figure_2A.png, Figure_2A.svg, ...) through the shared headless
 * Chromium. Every file is written atomically (temp file + rename). PNGs are
 * 256-colour palette images like the notebooks' (png.ts: the same look at
 * about 30% of the bytes, so a regeneration that changes every figure adds
 * about 0.3 MB of PNGs to git, not 0.9 MB); the SVG is the lossless version.
 *
 * Unchanged figures are not rewritten. Each PNG/SVG records a tag: a hash of
 * what its pixels depend on apart from the browser (the spec, format, size,
 * scale, plotly.js version, PNG encoding), in a PNG tEXt chunk or an SVG comment, both
 * keyed `sprint-gan-ts-spec`. When the file already carries the tag of the
 * figure being exported it is left alone. Without this, re-running the
 * notebooks on a machine whose browser or fonts differ (the npm-shipped
 * Chromium with Open Sans instead of Debian's with Liberation Sans) rewrote
 * every file with other bytes and left the checkout dirty; now only figures
 * whose data changed are rewritten, and only they need a browser.
 *
 * Without a browser (SPRINT_CHROMIUM=none; a platform with neither Chrome nor
 * the npm-shipped Chromium) a figure that must be rewritten is written as a
 * standalone `<name>.html` (plotly.js inlined; ignored by git) with a note on
 * stderr, so nothing is silently missing.
 *
 * Real-data guard: figures/ is committed, so export into it is refused while
 * the data source is real (SPRINT_DATA_DIR names a folder the simulator did
 * not write, or `options.dataSource.kind` is 'real'), unless
 * `options.allowRealData` is true or SPRINT_ALLOW_REAL_DATA_OUTPUTS=1 (which
 * the notebook runner sets for `--allow-real-data-outputs`). Export to any
 * other folder is not affected.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { isSyntheticDir } from '../data/source';
import { CHROMIUM_INSTALL_HINT, browserAvailable, figureSize, renderImage } from './browser';
import type { ImageFormat } from './browser';
import { canonicalSpec } from './display';
import { PlotError } from './errors';
import { standaloneHtml } from './html';
import { compactPng, readTextChunk, withTextChunk } from './png';
import { plotlyScript } from './runtime';
import { repoRoot, writeFileAtomic } from '../fs';
import { stderr } from '../display';
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
  /** Allow export into the repository's figures/ although the data source is real. Default false. */
  allowRealData?: boolean;
  /** The data source the figure was computed from (lib/data's resolveDataSource()); checked besides SPRINT_DATA_DIR. */
  dataSource?: { kind: 'embedded' | 'real'; dir?: string };
}

/** Environment variable that lifts the real-data guard (set by the runner's --allow-real-data-outputs). */
export const ALLOW_REAL_DATA_ENV = 'SPRINT_ALLOW_REAL_DATA_OUTPUTS';

/**
 * Throws a PlotError when writing into `dir` would put figures computed on
 * real data into the repository's figures/ folder (see the module comment).
 */
export function checkRealDataExport(
  dir: string,
  options: Pick<ExportOptions, 'allowRealData' | 'dataSource'> = {},
  env: NodeJS.ProcessEnv = process.env,
): void {
  const figures = path.resolve(defaultFiguresDir());
  const target = path.resolve(dir);
  if (target !== figures && !target.startsWith(figures + path.sep)) return;
  if (options.allowRealData || env[ALLOW_REAL_DATA_ENV] === '1') return;
  const named = env.SPRINT_DATA_DIR;
  const viaEnv = named !== undefined && named.trim() !== '' && !isSyntheticDir(path.resolve(named));
  const viaOption = options.dataSource?.kind === 'real';
  if (!viaEnv && !viaOption) return;
  const what = viaEnv ? `SPRINT_DATA_DIR = ${named}` : `dataSource ${options.dataSource?.dir ?? '(real)'}`;
  throw new PlotError(
    `exportFigure: refusing to write into ${figures}: the data source is real (${what}). ` +
      'figures/ is committed to the repository, and figures computed on the real SPRINT release are for your eyes only. ' +
      'Export elsewhere ({ dir: "/some/private/folder" }), or pass { allowRealData: true } ' +
      `(or set ${ALLOW_REAL_DATA_ENV}=1) if you really mean to.`,
  );
}

export interface ExportResult {
  /** The figure's files, absolute paths, in the order of `formats` (written or already up to date). */
  files: string[];
  /** Those of `files` left as they were: they already showed this figure (same tag). */
  unchanged: string[];
  /** True when no browser was found and HTML was written instead of images. */
  fallback: boolean;
}

/** Keyword of the PNG tEXt chunk and marker of the SVG comment that hold a file's tag. */
export const FIGURE_TAG_KEY = 'sprint-gan-ts-spec';

/** How figure PNGs are encoded; part of the tag, so changing it rewrites them. */
const PNG_ENCODING = 'palette-256 (compactPng)';

/** The tag of a figure file: 16 hex digits of a SHA-256 of the spec, format, size, scale, plotly.js version and PNG encoding. */
export function figureTag(fig: Figure, format: ImageFormat, width: number, height: number, scale: number): string {
  const encoding = format === 'png' ? PNG_ENCODING : 'svg';
  const what = JSON.stringify({ spec: canonicalSpec(fig), format, width, height, scale, plotly: plotlyScript().version, encoding });
  return crypto.createHash('sha256').update(what).digest('hex').slice(0, 16);
}

/** `image` (PNG bytes or SVG text) with `tag` recorded in it. */
export function tagFigureFile(image: Buffer | string, format: ImageFormat, tag: string): Buffer | string {
  if (format === 'png') return withTextChunk(image as Buffer, FIGURE_TAG_KEY, tag);
  return `<!-- ${FIGURE_TAG_KEY}: ${tag} -->\n${image as string}`;
}

/** The tag recorded in a figure file, or null (no file, no tag, unreadable). */
export function readFigureTag(file: string, format: ImageFormat): string | null {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return null;
  }
  if (format === 'png') return readTextChunk(bytes, FIGURE_TAG_KEY);
  const m = new RegExp(`^<!-- ${FIGURE_TAG_KEY}: ([0-9a-f]+) -->`).exec(bytes.toString('utf8', 0, 100));
  return m ? m[1] : null;
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
  checkRealDataExport(dir, options);
  const formats = options.formats ?? ['png', 'svg'];
  if (formats.length === 0) throw new PlotError('exportFigure: formats is empty.');
  for (const f of formats) {
    if (f !== 'png' && f !== 'svg' && f !== 'html') throw new PlotError(`exportFigure: unknown format "${f}"; use png, svg or html.`);
  }
  const { width, height } = figureSize(fig, options.width, options.height);
  const scale = options.scale ?? 1;
  const sized: Figure = { data: fig.data, layout: { ...fig.layout, width, height } };
  const file = (format: ExportFormat) => path.join(dir, `${name}.${format}`);
  const tags = new Map<ExportFormat, string>();
  for (const f of formats) if (f !== 'html') tags.set(f, figureTag(sized, f, width, height, scale));
  const stale = [...tags].filter(([f, tag]) => readFigureTag(file(f), f as ImageFormat) !== tag).map(([f]) => f);
  if (stale.length > 0 && !browserAvailable()) {
    const html = file('html');
    writeFileAtomic(html, standaloneHtml(sized, name));
    stderr.write(
      `exportFigure(${name}): no Chromium found, so ${stale.join(' and ')} cannot be rendered; wrote ${html} instead. ` +
        `To get image files, ${CHROMIUM_INSTALL_HINT}.\n`,
    );
    return { files: [html], unchanged: [], fallback: true };
  }
  const files: string[] = [];
  const unchanged: string[] = [];
  for (const format of formats) {
    const target = file(format);
    files.push(target);
    if (format === 'html') {
      writeFileAtomic(target, standaloneHtml(sized, name));
    } else if (!stale.includes(format)) {
      unchanged.push(target);
    } else {
      const image = await renderImage(sized, { format, width, height, scale });
      const encoded = format === 'png' ? compactPng(image as Buffer) : image;
      writeFileAtomic(target, tagFigureFile(encoded, format, tags.get(format) as string));
    }
  }
  return { files, unchanged, fallback: false };
}

/** Exports several figures: `{ Figure_2A: fig, ... }`. */
export async function exportFigures(figures: Record<string, Figure>, options: ExportOptions = {}): Promise<ExportResult[]> {
  const out: ExportResult[] = [];
  for (const name of Object.keys(figures)) out.push(await exportFigure(figures[name], name, options));
  return out;
}
