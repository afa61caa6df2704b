/** Shared helpers for the plots tests: PNG header parsing, the tslab display capture. */
import * as path from 'path';
import { findBrowser } from '../../lib/plots';
import type { DisplayData } from '../../lib/plots';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG's IHDR chunk; throws if it is not a PNG. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.length < 33 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG (bad signature)');
  if (png.toString('ascii', 12, 16) !== 'IHDR') throw new Error('not a PNG (first chunk is not IHDR)');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Root <svg> width/height attributes. */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg);
  if (!root) throw new Error('no <svg> root element');
  const w = /\swidth="([\d.]+)"/.exec(root[0]);
  const h = /\sheight="([\d.]+)"/.exec(root[0]);
  if (!w || !h) throw new Error(`svg root without width/height: ${root[0].slice(0, 200)}`);
  return { width: Number(w[1]), height: Number(h[1]) };
}

interface JupyterModule {
  lastWriteDisplayData: ((data: DisplayData, update: boolean) => void) | null;
}

/**
 * Stands in for a running tslab kernel: installs a capture as tslab's
 * internal display-data writer (the real `tslab/dist/jupyter.js` module).
 */
export function captureTslabDisplay(): { outputs: DisplayData[]; restore: () => void } {
  const jupyter = require(path.join(path.dirname(require.resolve('tslab/package.json')), 'dist', 'jupyter.js')) as JupyterModule;
  const outputs: DisplayData[] = [];
  const previous = jupyter.lastWriteDisplayData;
  jupyter.lastWriteDisplayData = (data) => {
    outputs.push(data);
  };
  return { outputs, restore: () => (jupyter.lastWriteDisplayData = previous) };
}

/**
 * The browser tests need Chromium; they fail (never skip) without it, with
 * the install line.
 */
export function requireChromium(): string {
  const exe = findBrowser();
  if (!exe) {
    throw new Error(
      'test/plots needs headless Chromium and none was found. Install it: ' +
        "`apt-get install -y chromium` (Debian/Ubuntu; CI's .ci/run does this), or set SPRINT_CHROMIUM=/path/to/chrome.",
    );
  }
  return exe;
}
