/**
 * What the committed notebooks carry, checked on the files themselves:
 * at most 1 MB each (GitHub shows them, git keeps every regeneration), no
 * plotly.js inlined, no TensorFlow.js Node.js banner, and every figure output
 * in the bundle lib/plots/display.ts writes (plotly JSON + PNG + text, no
 * HTML that a sanitizer would empty).
 */
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, test } from 'vitest';

const DIR = path.resolve(__dirname, '..', 'notebooks');
const FILES = fs.readdirSync(DIR).filter((f) => f.endsWith('.ipynb')).sort();
const MAX_BYTES = 1_000_000;

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  text?: string | string[];
}
const outputsOf = (file: string): Output[] =>
  JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')).cells.flatMap((c: { outputs?: Output[] }) => c.outputs ?? []);

describe('committed notebooks', () => {
  test('there are notebooks', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(6);
  });

  test.each(FILES)('%s is at most 1 MB', (file) => {
    const size = fs.statSync(path.join(DIR, file)).size;
    const biggest = outputsOf(file)
      .map((o) => ({ what: o.data ? Object.keys(o.data).join('+') : o.output_type, bytes: JSON.stringify(o).length }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 3);
    expect(size, `${file}: ${size} bytes; largest outputs ${JSON.stringify(biggest)}`).toBeLessThanOrEqual(MAX_BYTES);
  });

  test.each(FILES)('%s: no plotly.js inlined, no TensorFlow.js banner, figures as plotly JSON + PNG + text', (file) => {
    const text = fs.readFileSync(path.join(DIR, file), 'utf8');
    expect(text).not.toMatch(/plotly\.js v\d|window\.Plotly|<script/);
    expect(text).not.toMatch(/looks like you are running TensorFlow\.js in Node\.js/);
    for (const o of outputsOf(file)) {
      if (o.data && 'application/vnd.plotly.v1+json' in o.data) {
        expect(Object.keys(o.data).sort()).toEqual(['application/vnd.plotly.v1+json', 'image/png', 'text/plain']);
      }
    }
  });
});
