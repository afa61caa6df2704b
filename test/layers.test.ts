/**
 * lib/'s layers (DESIGN.md, "Data flow"), lowest first: host.ts (the runtime:
 * Node or Deno); random.ts, fs.ts and display.ts;
 * data, privacy and compute (siblings that stay independent of each other);
 * generators; eval; plots; sweep. A module imports from its own folder or from a
 * strictly lower layer, never from a sibling or a higher one. This reads
 * every relative import (static, dynamic and require) of every module in lib/.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';

const LIB = path.resolve(__dirname, '..', 'lib');
const RANK: Record<string, number> = { host: -1, random: 0, fs: 0, display: 0, data: 1, privacy: 1, compute: 1, generators: 2, eval: 3, plots: 4, sweep: 5 };

/** The lib/ part (folder, or file without extension) a path inside lib/ belongs to. */
function partOf(file: string): string {
  return path.relative(LIB, file).split(path.sep)[0].replace(/\.(ts|js)$/, '');
}

function modules(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return modules(p);
    return /\.(ts|js)$/.test(e.name) ? [p] : [];
  });
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Every relative import of lib/: [importing file, lib part it imports]. */
function edges(): [string, string][] {
  const out: [string, string][] = [];
  for (const file of modules(LIB)) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), m[1]);
      if (!target.startsWith(LIB + path.sep)) throw new Error(`${file} imports ${m[1]}, outside lib/`);
      out.push([file, partOf(target)]);
    }
  }
  return out;
}

describe('lib/ layers', () => {
  const all = edges();

  it('sees the imports it checks (the parser is not vacuous)', () => {
    const seen = new Set(all.map(([f, t]) => `${partOf(f)}->${t}`));
    for (const e of ['generators->compute', 'generators->privacy', 'eval->generators', 'eval->data', 'plots->data', 'compute->random']) expect(seen).toContain(e);
    for (const part of new Set(all.map(([f]) => partOf(f)))) expect(RANK, `lib/${part} has no layer`).toHaveProperty(part);
  });

  it('no import points up a layer or across to a sibling', () => {
    const bad = all
      .filter(([file, target]) => {
        const from = partOf(file);
        return from !== target && !(RANK[target] < RANK[from]);
      })
      .map(([file, target]) => `${path.relative(LIB, file)} imports lib/${target}`);
    expect(bad).toEqual([]);
  });
});
