/**
 * Headless Chromium, shared by the notebook display (PNG in the MIME bundle)
 * and the static export (PNG/SVG into figures/).
 *
 * Which browser ({@link findBrowser}): one named by SPRINT_CHROMIUM or
 * CHROME_PATH, else the system's Chrome/Chromium, else the Chromium that
 * `npm ci` installed (@sparticuz/chromium, Linux x64; see bundled.ts), so
 * figures render on a machine with Node.js alone. The system browser comes
 * first because it is what the committed figures were rendered with on the
 * development machines (Debian's chromium + fonts-liberation);
 * `SPRINT_CHROMIUM=bundled` forces the npm-shipped one (CI tests both).
 *
 * One browser and one page with plotly.js loaded are started on first use and
 * reused by every later render in the process: starting Chromium and parsing
 * the 4.8 MB library takes seconds, a render after that ~0.1-0.3 s.
 *
 * Lifetime: a live browser keeps Node's event loop busy, so outside a tslab
 * kernel it closes itself after `SPRINT_BROWSER_IDLE_MS` (default 3000 ms)
 * without renders; inside a kernel it stays until the kernel exits
 * (playwright kills it at process exit). Call {@link closeBrowser} to end it
 * now (scripts, test teardown).
 *
 * Driven by playwright-core (no browser download) with `executablePath`; the
 * profile is a fresh temporary user-data-dir made by playwright for each
 * launch; the flags below keep it off the network.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { loadPackage } from '../host';
import { notebookKernel } from '../display';
import { bundledChromium, unpackBundledChromium, unpackedLayout } from './bundled';
import type { BundledChromium } from './bundled';
import { PlotError } from './errors';
import { plotlyScript, plotsState } from './runtime';
import { DEFAULT_HEIGHT, DEFAULT_WIDTH } from './style';
import type { Figure } from './types';

/** Flags for a closed-network, root-friendly headless run. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** What to do when no browser is found, printed in messages. */
export const CHROMIUM_INSTALL_HINT =
  '`npm ci` installs a Chromium for Linux x64 (@sparticuz/chromium); elsewhere install Chrome or Chromium ' +
  '(Debian/Ubuntu: `apt-get install -y chromium`) or set SPRINT_CHROMIUM (or CHROME_PATH) to a Chrome/Chromium executable';

/** Where the browser in use came from. */
export type BrowserSource = 'SPRINT_CHROMIUM' | 'CHROME_PATH' | 'system' | 'bundled';

/** The browser to use: an executable, or the npm-shipped one (unpacked on first launch). */
export interface BrowserChoice {
  source: BrowserSource;
  /** The executable; for 'bundled', where it is (or will be) unpacked. */
  executable: string;
  /** For 'bundled': the package to unpack. */
  bundled?: BundledChromium;
}

/** Where {@link findBrowser} looks (injectable, so tests can hide the system browser). */
export interface BrowserLookup {
  /** Absolute paths tried in order. */
  systemPaths: readonly string[];
  /** Names looked up in each PATH folder. */
  pathNames: readonly string[];
  /** The npm-shipped Chromium, or null where there is none. */
  bundled: BundledChromium | null;
}

const SYSTEM_BROWSERS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];
const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** This machine's lookup: the usual system locations, then this install's npm-shipped Chromium. */
export function defaultBrowserLookup(): BrowserLookup {
  return { systemPaths: SYSTEM_BROWSERS, pathNames: PATH_NAMES, bundled: bundledChromium() };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The browser to use, best first: `SPRINT_CHROMIUM` (a path; `none` for no
 * browser: show() leaves out the PNG, exportFigure writes HTML; `bundled` for
 * the npm-shipped one even when the system has its own), `CHROME_PATH`, the
 * system's Chrome/Chromium (/usr/bin/chromium, ..., the same names on PATH,
 * the macOS app locations), then the npm-shipped Chromium (Linux x64). null
 * when there is none. An env var naming a missing file is an error, not a
 * silent fallback.
 */
export function findBrowser(env: NodeJS.ProcessEnv = process.env, lookup: BrowserLookup = defaultBrowserLookup()): BrowserChoice | null {
  const forced = env.SPRINT_CHROMIUM;
  if (forced === 'none') return null;
  if (forced === 'bundled') {
    if (!lookup.bundled) {
      throw new PlotError(
        'SPRINT_CHROMIUM=bundled, but there is no npm-shipped Chromium here (it exists for Linux x64 only, installed by `npm ci` as @sparticuz/chromium); unset it or name an executable.',
      );
    }
    return bundledChoice(lookup.bundled);
  }
  for (const name of ['SPRINT_CHROMIUM', 'CHROME_PATH'] as const) {
    const v = env[name];
    if (v) {
      if (!isExecutable(v)) throw new PlotError(`${name}=${v} is not an executable file; fix it or unset it.`);
      return { source: name, executable: v };
    }
  }
  for (const f of lookup.systemPaths) if (isExecutable(f)) return { source: 'system', executable: f };
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const n of lookup.pathNames) {
      const f = path.join(dir, n);
      if (isExecutable(f)) return { source: 'system', executable: f };
    }
  }
  return lookup.bundled ? bundledChoice(lookup.bundled) : null;
}

function bundledChoice(b: BundledChromium): BrowserChoice {
  return { source: 'bundled', executable: unpackedLayout(b.dir).executable, bundled: b };
}

/** What playwright's launch needs for `choice`; unpacks the npm-shipped Chromium on first use. */
export async function launchOptions(choice: BrowserChoice): Promise<{ executablePath: string; args: string[]; env?: NodeJS.ProcessEnv }> {
  const args = [...CHROMIUM_ARGS];
  if (!choice.bundled) return { executablePath: choice.executable, args };
  const unpacked = await unpackBundledChromium(choice.bundled);
  const ld = [unpacked.env.LD_LIBRARY_PATH, process.env.LD_LIBRARY_PATH].filter((s) => s).join(path.delimiter);
  return { executablePath: unpacked.executable, args, env: { ...process.env, ...unpacked.env, LD_LIBRARY_PATH: ld } };
}

// The few playwright-core shapes we use, typed locally so that tslab (TS 5.0)
// never has to compile playwright's own declarations.
export interface PageLike {
  goto(url: string, options?: { waitUntil?: 'load' | 'domcontentloaded' }): Promise<unknown>;
  setContent(html: string, options?: { waitUntil?: 'load' | 'domcontentloaded'; timeout?: number }): Promise<void>;
  /** Evaluates a JavaScript expression in the page (awaits a promise result). */
  evaluate(expression: string): Promise<unknown>;
  screenshot(options?: { fullPage?: boolean; type?: 'png'; clip?: { x: number; y: number; width: number; height: number } }): Promise<Buffer>;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  close(): Promise<void>;
}
export interface BrowserLike {
  newPage(): Promise<PageLike>;
  close(): Promise<void>;
  version(): string;
  isConnected(): boolean;
}
interface ChromiumLauncher {
  launch(options: { executablePath: string; args: string[]; env?: NodeJS.ProcessEnv; headless: boolean; timeout: number }): Promise<BrowserLike>;
}

interface Renderer {
  choice: BrowserChoice;
  browser: BrowserLike;
  page: PageLike;
  pageDir: string;
  busy: number;
  idleTimer: NodeJS.Timeout | null;
}

function loadPlaywright(): ChromiumLauncher {
  try {
    return loadPackage<{ chromium: ChromiumLauncher }>('playwright-core').chromium;
  } catch (e) {
    throw new PlotError(`playwright-core is not installed (run \`npm ci\`): ${(e as Error).message}`);
  }
}

let starting: Promise<Renderer> | null = null;

/** Launches a browser (no page): `choice`, else {@link findBrowser}'s. The caller closes it. */
export async function launchBrowser(choice: BrowserChoice | null = findBrowser()): Promise<BrowserLike> {
  if (!choice) throw new PlotError(`No Chromium found: ${CHROMIUM_INSTALL_HINT}.`);
  const options = await launchOptions(choice);
  try {
    return await loadPlaywright().launch({ ...options, headless: true, timeout: 60_000 });
  } catch (e) {
    throw new PlotError(`Chromium at ${options.executablePath} (${choice.source}) failed to start: ${(e as Error).message.split('\n')[0]}`);
  }
}

async function startRenderer(): Promise<Renderer> {
  const choice = findBrowser();
  if (!choice) throw new PlotError(`No Chromium found: ${CHROMIUM_INSTALL_HINT}.`);
  const browser = await launchBrowser(choice);
  try {
    const page = await browser.newPage();
    // Load plotly.js from its file (faster than pushing 4.8 MB through the protocol).
    const lib = plotlyScript();
    const pageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sprint-plots-'));
    const pageFile = path.join(pageDir, 'render.html');
    fs.writeFileSync(
      pageFile,
      `<!DOCTYPE html><html><head><meta charset="utf-8"><script src="${pathToFileUrl(lib.file)}"></script></head><body></body></html>`,
    );
    await page.goto(pathToFileUrl(pageFile), { waitUntil: 'load' });
    const ok = await page.evaluate('typeof window.Plotly === "object" && typeof window.Plotly.toImage === "function"');
    if (!ok) throw new PlotError(`plotly.js (${lib.file}) did not load in Chromium.`);
    return { choice, browser, page, pageDir, busy: 0, idleTimer: null };
  } catch (e) {
    await browser.close().catch(() => undefined);
    throw e;
  }
}

/**
 * Calls `fnSource` (the text of a browser-side function, plain ES2017) with
 * `arg` (JSON) in the page. Browser code is passed as text on purpose: a
 * compiled TypeScript function may carry helpers (e.g. esbuild's __name) that
 * do not exist in the page.
 */
export async function evaluateJs<R>(page: PageLike, fnSource: string, arg: unknown): Promise<R> {
  return (await page.evaluate(`(${fnSource})(${JSON.stringify(arg)})`)) as R;
}

function pathToFileUrl(file: string): string {
  return pathToFileURL(file).href;
}

function idleMs(): number {
  const env = process.env.SPRINT_BROWSER_IDLE_MS;
  if (env !== undefined && env !== '') {
    const v = Number(env);
    if (Number.isFinite(v) && v >= 0) return v;
  }
  return notebookKernel() ? Infinity : 3000;
}

/** The shared renderer, started on first use. */
async function renderer(): Promise<Renderer> {
  const state = plotsState();
  const current = state.renderer as Renderer | null;
  if (current && current.browser.isConnected()) return current;
  state.renderer = null;
  if (!starting) {
    starting = startRenderer().then(
      (r) => {
        state.renderer = r;
        starting = null;
        return r;
      },
      (e) => {
        starting = null;
        throw e;
      },
    );
  }
  return starting;
}

async function withRenderer<T>(fn: (r: Renderer) => Promise<T>): Promise<T> {
  const r = await renderer();
  r.busy++;
  if (r.idleTimer) clearTimeout(r.idleTimer);
  r.idleTimer = null;
  try {
    return await fn(r);
  } finally {
    r.busy--;
    const ms = idleMs();
    if (r.busy === 0 && Number.isFinite(ms)) {
      r.idleTimer = setTimeout(() => {
        if (r.busy === 0 && plotsState().renderer === r) void closeBrowser();
      }, ms);
    }
  }
}

/** Closes the shared browser (no-op when none is running). */
export async function closeBrowser(): Promise<void> {
  const state = plotsState();
  const r = state.renderer as Renderer | null;
  state.renderer = null;
  if (!r) return;
  if (r.idleTimer) clearTimeout(r.idleTimer);
  await r.browser.close().catch(() => undefined);
  fs.rmSync(r.pageDir, { recursive: true, force: true });
}

/** The browser the shared renderer runs now, or null when none is running. */
export function runningBrowser(): BrowserChoice | null {
  const r = plotsState().renderer as Renderer | null;
  return r && r.browser.isConnected() ? r.choice : null;
}

/** Whether a browser is available (found on this machine, or npm-shipped). */
export function browserAvailable(): boolean {
  try {
    return findBrowser() !== null;
  } catch {
    return false;
  }
}

export type ImageFormat = 'png' | 'svg';

export interface RenderOptions {
  format: ImageFormat;
  /** Pixels; the layout's width/height, else 700 x 450. */
  width?: number;
  height?: number;
  /** Pixel ratio of the PNG (PNG size = width*scale x height*scale). Default 1. */
  scale?: number;
}

/** Pixel size a figure renders at. */
export function figureSize(fig: Figure, width?: number, height?: number): { width: number; height: number } {
  return {
    width: Math.round(width ?? (typeof fig.layout.width === 'number' ? fig.layout.width : DEFAULT_WIDTH)),
    height: Math.round(height ?? (typeof fig.layout.height === 'number' ? fig.layout.height : DEFAULT_HEIGHT)),
  };
}

/**
 * Renders a figure to PNG bytes or SVG text with Plotly.toImage in the shared
 * headless Chromium. Throws a PlotError when no browser is found.
 */
export async function renderImage(fig: Figure, options: RenderOptions): Promise<Buffer | string> {
  const { width, height } = figureSize(fig, options.width, options.height);
  const scale = options.scale ?? 1;
  // Plotly names each trace's SVG group after trace.uid, random unless given.
  fig = { ...fig, data: fig.data.map((t, i) => ({ uid: `t${i}`, ...t })) };
  const dataUrl = await withRenderer((r) =>
    evaluateJs<string>(
      r.page,
      'function (a) { return window.Plotly.toImage({ data: a.fig.data, layout: a.fig.layout }, { format: a.format, width: a.width, height: a.height, scale: a.scale }); }',
      { fig, format: options.format, width, height, scale },
    ),
  );
  if (typeof dataUrl !== 'string') throw new PlotError('Plotly.toImage returned no image.');
  if (options.format === 'png') {
    const prefix = 'data:image/png;base64,';
    if (!dataUrl.startsWith(prefix)) throw new PlotError('Plotly.toImage did not return a PNG data URL.');
    return Buffer.from(dataUrl.slice(prefix.length), 'base64');
  }
  const comma = dataUrl.indexOf(',');
  const head = dataUrl.slice(0, comma);
  const body = dataUrl.slice(comma + 1);
  return stableSvgIds(head.endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body));
}

/**
 * Plotly prefixes the ids of an SVG's clip paths and definitions with a
 * random string (`<defs id="defs-4f2a9c">`, `url(#clip4f2a9cxy)`), so the same
 * figure gave a different file every time. Replaces it with a fixed one.
 */
export function stableSvgIds(svg: string): string {
  const uid = /<defs id="defs-([0-9a-z]+)"/.exec(svg)?.[1];
  if (!uid) return svg;
  // Only inside ids and references to them, never in coordinates or text.
  return svg.replace(/(id="|url\(#|url\('#)([^"')]*)/g, (_, lead: string, ref: string) => lead + ref.split(uid).join('sprint'));
}

/**
 * Runs `fn` with a fresh page of the shared browser (for checks that load
 * arbitrary HTML, e.g. the render test); the page is closed afterwards.
 */
export async function withPage<T>(fn: (page: PageLike) => Promise<T>): Promise<T> {
  return withRenderer(async (r) => {
    const page = await r.browser.newPage();
    try {
      return await fn(page);
    } finally {
      await page.close().catch(() => undefined);
    }
  });
}
