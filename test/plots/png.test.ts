/**
 * lib/plots/png.ts: the compact display PNG, CRC-32, tEXt chunks. The
 * chunk structure is checked by walking the bytes here, the CRCs against
 * Node's zlib.crc32, the pixels by decoding (upng-js decode, not the encoder
 * under test). The input is a truecolour PNG made by the test helpers, as
 * Chromium's are (figures/*.png are already palette PNGs).
 */
import * as zlib from 'zlib';
import { describe, expect, test } from 'vitest';
import { PlotError } from '../../lib/plots';
import { compactPng, crc32, readTextChunk, withTextChunk } from '../../lib/plots/png';
import { PNG_1X1, pngSize, rgbPng } from './helpers';

/** Every chunk of a PNG: type, data, and whether its CRC is right (by zlib.crc32). */
function chunks(png: Buffer): { type: string; data: Buffer; crcOk: boolean }[] {
  const out = [];
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    const typeAndData = png.subarray(at + 4, at + 8 + len);
    out.push({ type: typeAndData.toString('latin1', 0, 4), data: typeAndData.subarray(4), crcOk: png.readUInt32BE(at + 8 + len) === zlib.crc32(typeAndData) });
    at += 12 + len;
  }
  return out;
}

function rgba(png: Buffer): Uint8Array {
  const upng = require('upng-js');
  return new Uint8Array(upng.toRGBA8(upng.decode(png.buffer.slice(png.byteOffset, png.byteOffset + png.length)))[0]);
}

/**
 * A truecolour plot-like image, 700 x 450: white, a light grid, three
 * anti-aliased lines (coverage blended into white, so hundreds of colours).
 */
function plotLike(): Buffer {
  const lines: { colour: [number, number, number]; y: (x: number) => number }[] = [
    { colour: [178, 34, 34], y: (x) => 100 + 0.2 * x + 30 * Math.sin(x / 40) },
    { colour: [30, 90, 200], y: (x) => 300 - 0.25 * x },
    { colour: [140, 20, 170], y: (x) => 220 + 60 * Math.cos(x / 55) },
  ];
  return rgbPng(700, 450, (x, y) => {
    let px: [number, number, number] = x % 70 === 0 || y % 45 === 0 ? [232, 232, 232] : [255, 255, 255];
    for (const l of lines) {
      const cover = Math.max(0, Math.min(1, 2 - Math.abs(y - l.y(x)))); // 2 px core, 1 px soft edge
      px = px.map((v, i) => Math.round(v * (1 - cover) + l.colour[i] * cover)) as [number, number, number];
    }
    return px;
  });
}

describe('compactPng', () => {
  test('a palette PNG (<= 256 colours) of the same size, fewer bytes, pixels within a few levels', () => {
    const original = plotLike();
    const compact = compactPng(original);
    expect(pngSize(compact)).toEqual(pngSize(original));
    const cs = chunks(compact);
    expect(cs.every((c) => c.crcOk)).toBe(true);
    expect(cs[0].data[9]).toBe(3); // IHDR colour type 3: indexed
    const plte = cs.find((c) => c.type === 'PLTE') as { data: Buffer };
    expect(plte.data.length / 3).toBeLessThanOrEqual(256);
    expect(compact.length).toBeLessThan(original.length * 0.6); // about 0.5 here; about 0.3 on Chromium's plots (png.ts)
    const a = rgba(original);
    const b = rgba(compact);
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
    expect(sum / a.length).toBeLessThan(1.5); // mean difference per channel, of 255
  });

  test('deterministic, and refuses what is not a PNG', () => {
    const original = plotLike();
    expect(compactPng(original).equals(compactPng(original))).toBe(true);
    expect(() => compactPng(Buffer.from('GIF89a not a png at all, really not one'))).toThrow(PlotError);
  });
});

describe('crc32', () => {
  test("the standard check value and zlib's crc32", () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919) % 256));
    expect(crc32(bytes)).toBe(zlib.crc32(bytes));
  });
});

describe('tEXt chunks', () => {
  test('written after IHDR with a valid CRC, read back, replaced (not duplicated), pixels untouched', () => {
    const tagged = withTextChunk(PNG_1X1, 'sprint-key', 'abc123');
    expect(chunks(tagged).map((c) => c.type)).toEqual(['IHDR', 'tEXt', 'IDAT', 'IEND']);
    expect(chunks(tagged).every((c) => c.crcOk)).toBe(true);
    expect(readTextChunk(tagged, 'sprint-key')).toBe('abc123');
    expect(readTextChunk(tagged, 'other')).toBeNull();
    const again = withTextChunk(tagged, 'sprint-key', 'def456');
    expect(chunks(again).map((c) => c.type)).toEqual(['IHDR', 'tEXt', 'IDAT', 'IEND']);
    expect(readTextChunk(again, 'sprint-key')).toBe('def456');
    expect(rgba(again)).toEqual(rgba(PNG_1X1));
  });

  test('no PNG, no text; bad keywords are refused', () => {
    expect(readTextChunk(Buffer.from('<svg/>'), 'k')).toBeNull();
    expect(readTextChunk(PNG_1X1, 'k')).toBeNull();
    expect(() => withTextChunk(PNG_1X1, '', 'x')).toThrow(/keyword/);
    expect(() => withTextChunk(PNG_1X1, 'k', 'π ≠ 3')).toThrow(PlotError);
  });
});
