/**
 * Process-wide plumbing shared by display and export: where plotly.js lives,
 * the repository root, atomic writes, and per-kernel state kept on
 * `globalThis` (tslab re-evaluates a local module when its source changes, so
 * module-level variables would be reset between cells; a global survives).
 */
import * as fs from 'fs';
import * as path from 'path';
import { PlotError } from './errors';
import { resolvePackage } from '../host';
import { stderr } from '../display';

/** State that must live once per process (kernel). */
export interface PlotsState {
  /** Notes already printed once on stderr. */
  warned: Set<string>;
  /** The shared headless browser, if started (see browser.ts). */
  renderer: unknown;
}

const STATE_KEY = Symbol.for('sprint-gan-ts.plots.state');

export function plotsState(): PlotsState {
  const g = globalThis as unknown as { [STATE_KEY]?: PlotsState };
  let s = g[STATE_KEY];
  if (!s) {
    s = { warned: new Set<string>(), renderer: null };
    g[STATE_KEY] = s;
  }
  return s;
}

/** Prints `message` on stderr (the notebook's, in a kernel) the first time `key` is seen in this process. */
export function warnOnce(key: string, message: string): void {
  const s = plotsState();
  if (s.warned.has(key)) return;
  s.warned.add(key);
  stderr.write(`${message}\n`);
}

interface PlotlyScript {
  file: string;
  version: string;
  source: string;
}
let plotlyCache: PlotlyScript | null = null;

function packageVersion(dir: string): string {
  try {
    return String(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version);
  } catch {
    return 'unknown';
  }
}

/**
 * The plotly.js bundle to inline or load: `SPRINT_PLOTLY_JS` (a file), else
 * `plotly.js-dist-min` (4.8 MB minified), else `plotly.js-dist` (10 MB).
 */
export function plotlyScript(): PlotlyScript {
  if (plotlyCache) return plotlyCache;
  const candidates: { file: () => string; versionDir: (f: string) => string }[] = [];
  const env = process.env.SPRINT_PLOTLY_JS;
  if (env) candidates.push({ file: () => path.resolve(env), versionDir: (f) => path.dirname(f) });
  candidates.push({ file: () => resolvePackage('plotly.js-dist-min/plotly.min.js'), versionDir: (f) => path.dirname(f) });
  candidates.push({ file: () => resolvePackage('plotly.js-dist/plotly.js'), versionDir: (f) => path.dirname(f) });
  for (const c of candidates) {
    let file: string;
    try {
      file = c.file();
      if (!fs.existsSync(file)) continue;
    } catch {
      continue;
    }
    const source = fs.readFileSync(file, 'utf8');
    const header = /plotly\.js v(\d+\.\d+\.\d+)/.exec(source.slice(0, 300));
    plotlyCache = { file, version: header ? header[1] : packageVersion(c.versionDir(file)), source };
    return plotlyCache;
  }
  throw new PlotError(
    'plotly.js not found: run `npm ci` (it installs plotly.js-dist-min / plotly.js-dist), or set SPRINT_PLOTLY_JS to a plotly.min.js file.',
  );
}
