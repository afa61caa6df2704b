/**
 * PNG bytes for the notebook display and the figure files.
 *
 * - {@link compactPng}: a PNG as a palette image of at most 256 colours
 *   (upng-js's quantizer), for notebook outputs and figures/*.png. Chromium
 *   writes 24-bit PNGs; the paper's figures (white background, a few line
 *   colours, anti-aliased text) lose nothing visible at 256 colours and shrink
 *   to about 30% (the 18 figures of the `ci` run: 957 KB -> 289 KB). That
 *   keeps a notebook with 15 figures (05_paper_figures) well under 1 MB.
 *   Deterministic: the same pixels give the same bytes.
 * - {@link withTextChunk} / {@link readTextChunk}: a PNG tEXt chunk (keyword,
 *   Latin-1 text), inserted after IHDR; export.ts stores the figure's spec
 *   hash in it.
 *
 * Chunk layout (PNG spec, section 5.3): 4-byte big-endian length, 4-byte type,
 * data, CRC-32 of type + data.
 */
import { PlotError } from './errors';
import { loadPackage } from '../host';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Upng {
  decode(buf: ArrayBuffer): { width: number; height: number };
  toRGBA8(img: { width: number; height: number }): ArrayBuffer[];
  encode(frames: ArrayBuffer[], width: number, height: number, colours: number): ArrayBuffer;
}

function arrayBufferOf(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

function checkPng(png: Buffer, what: string): void {
  if (png.length < 33 || !png.subarray(0, 8).equals(PNG_SIGNATURE) || png.toString('latin1', 12, 16) !== 'IHDR') {
    throw new PlotError(`${what}: not a PNG (bad signature or first chunk).`);
  }
}

/** `png` re-encoded as a palette PNG of at most 256 colours (same size in pixels). */
export function compactPng(png: Buffer): Buffer {
  checkPng(png, 'compactPng');
  const upng = loadPackage<Upng>('upng-js');
  const img = upng.decode(arrayBufferOf(png));
  const rgba = upng.toRGBA8(img)[0];
  return Buffer.from(upng.encode([rgba], img.width, img.height, 256));
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (ISO 3309, the polynomial PNG and zlib use) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** `png` with a tEXt chunk `keyword` = `text` right after IHDR (any earlier one of that keyword removed). */
export function withTextChunk(png: Buffer, keyword: string, text: string): Buffer {
  checkPng(png, 'withTextChunk');
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword) || /[^\x20-\xff]/.test(text)) {
    throw new PlotError(`withTextChunk: keyword must be 1-79 printable ASCII characters and text Latin-1 (got "${keyword}").`);
  }
  const ihdrEnd = 8 + 8 + png.readUInt32BE(8) + 4;
  const parts: Buffer[] = [png.subarray(0, ihdrEnd), chunk('tEXt', Buffer.from(`${keyword}\0${text}`, 'latin1'))];
  for (let at = ihdrEnd; at < png.length; ) {
    const len = png.readUInt32BE(at);
    const end = at + 12 + len;
    const isOld = png.toString('latin1', at + 4, at + 8) === 'tEXt' && png.toString('latin1', at + 8, at + 8 + keyword.length + 1) === `${keyword}\0`;
    if (!isOld) parts.push(png.subarray(at, end));
    at = end;
  }
  return Buffer.concat(parts);
}

/** The text of the tEXt chunk `keyword`, or null (also for a file that is not a PNG). */
export function readTextChunk(png: Buffer, keyword: string): string | null {
  if (png.length < 8 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) return null;
  for (let at = 8; at + 12 <= png.length; ) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (type === 'tEXt') {
      const data = png.toString('latin1', at + 8, at + 8 + len);
      if (data.startsWith(`${keyword}\0`)) return data.slice(keyword.length + 1);
    }
    if (type === 'IEND') return null;
    at += 12 + len;
  }
  return null;
}
