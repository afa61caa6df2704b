/** Shared helpers for the plots tests: PNG header parsing, the tslab display capture. */
import * as path from 'path';
import { CHROMIUM_INSTALL_HINT, findBrowser } from '../../lib/plots';
import type { BrowserChoice } from '../../lib/plots/browser';
import type { DisplayData } from '../../lib/plots';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A valid 1 x 1 white RGB PNG, built here byte by byte (zlib's crc32 and deflate, not lib/plots/png.ts). */
export const PNG_1X1: Buffer = (() => {
  const zlib = require('zlib') as typeof import('zlib');
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const byte of b) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.from([0, 255, 255, 255]))), chunk('IEND', Buffer.alloc(0))]);
})();

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
 * the install line. On Linux x64 `npm ci` always provides one.
 */
export function requireChromium(): BrowserChoice {
  const choice = findBrowser();
  if (!choice) throw new Error(`test/plots needs headless Chromium and none was found: ${CHROMIUM_INSTALL_HINT}.`);
  return choice;
}
