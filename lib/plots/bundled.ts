/**
 * The npm-shipped Chromium: the fallback browser when the machine has no
 * Chrome/Chromium of its own, so that `npm ci` alone gives PNG/SVG export.
 *
 * `@sparticuz/chromium` (a dependency) ships a brotli-compressed
 * chrome-headless-shell for Linux x64 (`bin/chromium.br`, Chromium 143 in
 * release 143.0.4, the last release whose `engines` accept Node 20), the NSS
 * and expat libraries it links (`bin/al2023.tar.br`, built for Amazon Linux
 * 2023) and Open Sans (`bin/fonts.tar.br`). With those libraries on
 * LD_LIBRARY_PATH the binary needs only libc, libm, libdl, libpthread and
 * libgcc_s (`ldd`, checked by test/plots/bundled.test.ts), which every
 * Debian/Ubuntu image has (libc6, libgcc-s1: Priority required); fontconfig
 * and FreeType are linked in. Rendering a figure loads exactly that set
 * (measured with LD_DEBUG=libs on 2026-12-06): the shipped libsoftokn3, which
 * would want libsqlite3, is never loaded.
 *
 * We unpack it ourselves instead of calling the package's `executablePath()`,
 * which unpacks into the shared /tmp/chromium and reuses whatever is there
 * (another version, or a half-written file after an interrupted run). Here:
 * `node_modules/.cache/sprint-gan-ts/chromium-<version>/` (`npm ci` removes
 * it with node_modules), written into a temporary folder and renamed into
 * place, so a folder that exists is complete; two processes unpacking at once
 * both succeed. About 4 s once (62 MB compressed, 191 MB unpacked).
 *
 * The browser runs with LD_LIBRARY_PATH = the unpacked lib/ and
 * FONTCONFIG_PATH = our fonts.conf: Open Sans, plus the system's fonts and
 * font rules where /etc/fonts exists (so `Arial` still maps to Liberation
 * Sans on a machine with fonts-liberation).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { pipeline } from 'stream/promises';
import { PlotError } from './errors';
import { loadPackage, resolvePackage } from '../host';

/** Where the package's files are and where they are unpacked. */
export interface BundledChromium {
  /** The @sparticuz/chromium version, e.g. "143.0.4". */
  version: string;
  /** Its `bin/` folder: chromium.br, al2023.tar.br, fonts.tar.br. */
  binDir: string;
  /** The folder it is unpacked into (complete when it exists). */
  dir: string;
}

/** The unpacked browser and the environment it must run with. */
export interface UnpackedChromium {
  executable: string;
  /** Variables to add to the browser process's environment. */
  env: { LD_LIBRARY_PATH: string; FONTCONFIG_PATH: string };
}

/**
 * The npm-shipped Chromium of this install, or null where there is none:
 * not Linux x64 (the package ships only that binary), or the package is not
 * installed. `resolve` finds the package's entry file (injectable for tests).
 */
export function bundledChromium(
  platform: string = process.platform,
  arch: string = process.arch,
  resolve: (id: string) => string = resolvePackage,
): BundledChromium | null {
  if (platform !== 'linux' || arch !== 'x64') return null;
  let entry: string;
  try {
    entry = resolve('@sparticuz/chromium'); // <pkg>/build/cjs/index.cjs
  } catch {
    return null;
  }
  const pkgDir = path.resolve(path.dirname(entry), '..', '..');
  const binDir = path.join(pkgDir, 'bin');
  if (!fs.existsSync(path.join(binDir, 'chromium.br'))) return null;
  const version = String(JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version);
  // <node_modules>/@sparticuz/chromium -> <node_modules>/.cache/...
  const nodeModules = path.resolve(pkgDir, '..', '..');
  return { version, binDir, dir: path.join(nodeModules, '.cache', 'sprint-gan-ts', `chromium-${version}`) };
}

/** The files of an unpacked folder `dir` (whether or not they exist yet). */
export function unpackedLayout(dir: string): UnpackedChromium {
  return {
    executable: path.join(dir, 'chromium'),
    env: { LD_LIBRARY_PATH: path.join(dir, 'lib'), FONTCONFIG_PATH: path.join(dir, 'fonts') },
  };
}

/**
 * fontconfig's configuration for the unpacked browser: the shipped Open Sans
 * first found by directory, the system's configuration (its font folders and
 * alias rules) included when present, a cache inside `dir`.
 */
export function fontsConf(dir: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
    '<fontconfig>',
    '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
    `  <dir>${esc(path.join(dir, 'fonts', 'fonts'))}</dir>`,
    `  <cachedir>${esc(path.join(dir, 'fontconfig-cache'))}</cachedir>`,
    '</fontconfig>',
    '',
  ].join('\n');
}

function extractTar(tarFile: string, into: string): Promise<void> {
  // tar-fs: @sparticuz/chromium's own dependency for these archives, pinned in package.json.
  const tar = loadPackage<{ extract(dir: string): NodeJS.WritableStream }>('tar-fs');
  return pipeline(fs.createReadStream(tarFile), zlib.createBrotliDecompress(), tar.extract(into));
}

let unpacks = 0;

/**
 * Unpacks `b` into `b.dir` unless it is already there, and returns the
 * executable and its environment. Throws a PlotError naming the folder and
 * what to do when it cannot (disk full, read-only node_modules).
 */
export async function unpackBundledChromium(b: BundledChromium): Promise<UnpackedChromium> {
  const layout = unpackedLayout(b.dir);
  if (fs.existsSync(layout.executable)) return layout;
  const tmp = `${b.dir}.tmp-${process.pid}-${++unpacks}`;
  try {
    fs.mkdirSync(tmp, { recursive: true });
    const exe = path.join(tmp, 'chromium');
    await pipeline(fs.createReadStream(path.join(b.binDir, 'chromium.br')), zlib.createBrotliDecompress(), fs.createWriteStream(exe, { mode: 0o755 }));
    await extractTar(path.join(b.binDir, 'al2023.tar.br'), tmp); // lib/*.so
    await extractTar(path.join(b.binDir, 'fonts.tar.br'), path.join(tmp, 'fonts')); // fonts/Open_Sans/*.ttf (+ the package's fonts.conf, replaced)
    fs.writeFileSync(path.join(tmp, 'fonts', 'fonts.conf'), fontsConf(b.dir));
    try {
      fs.renameSync(tmp, b.dir);
    } catch (e) {
      // Another process finished first: use its copy.
      if (!fs.existsSync(layout.executable)) throw e;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new PlotError(
      `Could not unpack the npm-shipped Chromium (@sparticuz/chromium ${b.version}) into ${b.dir}: ${(e as Error).message}. ` +
        'It needs about 200 MB of free disk space in node_modules/.cache; or install Chromium (`apt-get install -y chromium`) or set SPRINT_CHROMIUM to a Chrome/Chromium executable.',
    );
  }
  return layout;
}
