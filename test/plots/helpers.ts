/** Shared helpers for the plots tests: PNG header parsing, the tslab display capture. */
import * as path from 'path';
import { CHROMIUM_INSTALL_HINT, findBrowser } from '../../lib/plots';
import type { BrowserChoice } from '../../lib/plots/browser';
import type { DisplayData } from '../../lib/plots';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A 24-bit RGB PNG of `width` x `height` whose pixel (x, y) is `pixel(x, y)`,
 * built here byte by byte (zlib's deflate, filter 0, a local CRC-32; not
 * lib/plots/png.ts), as Chromium's screenshots are: truecolour.
 */
export function rgbPng(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const zlib = require('zlib') as typeof import('zlib');
  const raw = Buffer.alloc(height * (1 + 3 * width));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), y * (1 + 3 * width) + 1 + 3 * x);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', zlib.deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  let c = 0xffffffff;
  for (const byte of Buffer.concat([Buffer.from(type, 'latin1'), data])) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return Buffer.concat([len, Buffer.from(type, 'latin1'), data, sum]);
}

/** A valid 1 x 1 white RGB PNG. */
export const PNG_1X1: Buffer = rgbPng(1, 1, () => [255, 255, 255]);

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
