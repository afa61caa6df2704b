/**
 * Static export of figures into figures/ (PNG and SVG, the paper's file
 * names: Figure_2A.png, Figure_2A.svg, ...) through the shared headless
 * Chromium. Without a browser it says so on stderr and writes a standalone
 * `<name>.html` (plotly.js inlined) instead, so nothing is silently missing.
 * Every file is written atomically (temp file + rename).
 *
 * Real-data guard: figures/ is committed, so export into it is refused while
 * the data source is real (SPRINT_DATA_DIR names a folder the simulator did
 * not write, or `options.dataSource.kind` is 'real'), unless
 * `options.allowRealData` is true or SPRINT_ALLOW_REAL_DATA_OUTPUTS=1 (which
 * the notebook runner sets for `--allow-real-data-outputs`). Export to any
 * other folder is not affected.
 */
import * as path from 'path';
import { isSyntheticDir } from '../data/source';
import { CHROMIUM_INSTALL_HINT, browserAvailable, figureSize, renderImage } from './browser';
import { PlotError } from './errors';
import { standaloneHtml } from './html';
import { repoRoot, writeFileAtomic } from '../fs';
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
  checkRealDataExport(dir, options);
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
