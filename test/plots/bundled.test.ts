/**
 * The npm-shipped Chromium (lib/plots/bundled.ts): finding the package,
 * unpacking (on a small fake package: complete or absent, idempotent, two
 * processes at once), and on Linux x64 the real one: what `ldd` says it needs
 * and a figure export through it even though this machine may have its own
 * Chromium (CI installs Debian's; this is the path of a machine with Node.js
 * alone).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PlotError, closeBrowser, exportFigure, figure2, runningBrowser } from '../../lib/plots';
import { bundledChromium, fontsConf, unpackBundledChromium, unpackedLayout } from '../../lib/plots/bundled';
import type { BundledChromium } from '../../lib/plots/bundled';
import { pngSize, svgSize } from './helpers';
import { series } from './fixtures';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plots-bundled-'));
});
afterAll(async () => {
  await closeBrowser();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A fake @sparticuz/chromium bin/ folder: a shell script as "chromium", one library, one font. */
function fakePackage(name: string): BundledChromium {
  const root = path.join(tmp, name);
  const src = path.join(root, 'src');
  fs.mkdirSync(path.join(src, 'lib'), { recursive: true });
  fs.mkdirSync(path.join(src, 'fonts', 'fonts', 'Open_Sans'), { recursive: true });
  fs.writeFileSync(path.join(src, 'lib', 'libfake.so'), 'lib');
  fs.writeFileSync(path.join(src, 'fonts', 'fonts.conf'), '<fontconfig><dir>/tmp/fonts</dir></fontconfig>');
  fs.writeFileSync(path.join(src, 'fonts', 'fonts', 'Open_Sans', 'OpenSans-Regular.ttf'), 'ttf');
  const binDir = path.join(root, 'bin');
  fs.mkdirSync(binDir);
  const br = (file: string, bytes: Buffer) => fs.writeFileSync(path.join(binDir, file), zlib.brotliCompressSync(bytes));
  br('chromium.br', Buffer.from('#!/bin/sh\necho fake chromium\n'));
  br('al2023.tar.br', execFileSync('tar', ['-c', '-C', src, 'lib']));
  br('fonts.tar.br', execFileSync('tar', ['-c', '-C', path.join(src, 'fonts'), 'fonts.conf', 'fonts']));
  return { version: '0.0.1', binDir, dir: path.join(root, 'cache', 'chromium-0.0.1') };
}

describe('bundledChromium', () => {
  test('Linux x64 only; null when the package cannot be resolved', () => {
    expect(bundledChromium('darwin', 'x64')).toBeNull();
    expect(bundledChromium('linux', 'arm64')).toBeNull();
    expect(bundledChromium('linux', 'x64', () => { throw new Error('not installed'); })).toBeNull();
  });

  test("this install's package, unpacked under node_modules/.cache", () => {
    const b = bundledChromium('linux', 'x64') as BundledChromium;
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8'));
    expect(b.version).toBe(pkg.dependencies['@sparticuz/chromium']);
    expect(fs.existsSync(path.join(b.binDir, 'chromium.br'))).toBe(true);
    expect(b.dir).toBe(path.resolve(__dirname, '..', '..', 'node_modules', '.cache', 'sprint-gan-ts', `chromium-${b.version}`));
  });
});

describe('unpackBundledChromium (fake package)', () => {
  test('an executable, the libraries, the fonts and our fonts.conf; a second call reuses them', async () => {
    const b = fakePackage('one');
    const u = await unpackBundledChromium(b);
    expect(u).toEqual(unpackedLayout(b.dir));
    expect(execFileSync(u.executable, { encoding: 'utf8' })).toBe('fake chromium\n');
    expect(fs.readFileSync(path.join(u.env.LD_LIBRARY_PATH, 'libfake.so'), 'utf8')).toBe('lib');
    expect(fs.existsSync(path.join(u.env.FONTCONFIG_PATH, 'fonts', 'Open_Sans', 'OpenSans-Regular.ttf'))).toBe(true);
    expect(fs.readFileSync(path.join(u.env.FONTCONFIG_PATH, 'fonts.conf'), 'utf8')).toBe(fontsConf(b.dir));
    const mtime = fs.statSync(u.executable).mtimeMs;
    await unpackBundledChromium(b);
    expect(fs.statSync(u.executable).mtimeMs).toBe(mtime);
  });

  test('two unpacks at once both succeed and leave no temporary folder', async () => {
    const b = fakePackage('two');
    const [x, y] = await Promise.all([unpackBundledChromium(b), unpackBundledChromium(b)]);
    expect(x).toEqual(y);
    expect(fs.readdirSync(path.dirname(b.dir))).toEqual(['chromium-0.0.1']);
  });

  test('a broken package: a PlotError naming the folder and what to do, nothing half-written left', async () => {
    const b = fakePackage('broken');
    fs.rmSync(path.join(b.binDir, 'fonts.tar.br'));
    await expect(unpackBundledChromium(b)).rejects.toThrow(PlotError);
    await expect(unpackBundledChromium(b)).rejects.toThrow(/chromium-0\.0\.1.*apt-get install -y chromium/);
    expect(fs.existsSync(path.dirname(b.dir)) ? fs.readdirSync(path.dirname(b.dir)) : []).toEqual([]);
  });

  test('fonts.conf: shipped fonts, the system configuration when present, a private cache; XML-escaped', () => {
    const conf = fontsConf('/a&b/<c>');
    expect(conf).toContain('<include ignore_missing="yes">/etc/fonts/fonts.conf</include>');
    expect(conf).toContain('<dir>/a&amp;b/&lt;c>/fonts/fonts</dir>');
    expect(conf).toContain('<cachedir>/a&amp;b/&lt;c>/fontconfig-cache</cachedir>');
  });
});

const real = bundledChromium();
describe.runIf(real)('the real npm-shipped Chromium (Linux x64)', () => {
  test('needs nothing beyond libc, libm, libdl, libpthread and libgcc_s besides its own libraries (ldd)', async () => {
    const u = await unpackBundledChromium(real as BundledChromium);
    const out = execFileSync('ldd', [u.executable], { encoding: 'utf8', env: { ...process.env, LD_LIBRARY_PATH: u.env.LD_LIBRARY_PATH } });
    const BASE = ['linux-vdso.so.1', 'libc.so.6', 'libm.so.6', 'libdl.so.2', 'libpthread.so.0', 'libgcc_s.so.1', 'ld-linux-x86-64.so.2'];
    const deps = out.trim().split('\n').map((l) => l.trim());
    expect(deps.filter((l) => /not found/.test(l))).toEqual([]);
    const foreign = deps.filter((l) => {
      const name = path.basename(l.split(/\s+/)[0]);
      const where = / => (\S+)/.exec(l)?.[1];
      return !BASE.includes(name) && !(where && where.startsWith(u.env.LD_LIBRARY_PATH + path.sep));
    });
    expect(foreign).toEqual([]); // each one a library a bare Debian/Ubuntu image may lack
  }, 120_000);

  test('exports PNG and SVG with SPRINT_CHROMIUM=bundled, even where a system Chromium exists', async () => {
    const saved = process.env.SPRINT_CHROMIUM;
    process.env.SPRINT_CHROMIUM = 'bundled';
    try {
      await closeBrowser();
      const s = (a: number) => series(a);
      const fig = figure2({ real: { standard: s(150), intensive: s(140) }, private: { standard: s(145), intensive: s(135) } }, { panel: 'A' });
      const r = await exportFigure(fig, 'Figure_2A', { dir: tmp });
      expect(runningBrowser()?.source).toBe('bundled');
      expect(pngSize(fs.readFileSync(r.files[0]))).toEqual({ width: 700, height: 450 });
      const svg = fs.readFileSync(r.files[1], 'utf8');
      expect(svgSize(svg)).toEqual({ width: 700, height: 450 });
      expect(svg).toContain('Figure 2A: Last epoch');
    } finally {
      await closeBrowser();
      if (saved === undefined) delete process.env.SPRINT_CHROMIUM;
      else process.env.SPRINT_CHROMIUM = saved;
    }
  }, 120_000);
});
