/**
 * `npm run bench [-- --json] [-- only...]`: every benchmark of the project, each
 * printing our time next to a baseline measured in the same run.
 *
 * A benchmark is a file `bench/<name>.ts` exporting an async function whose
 * name starts with `bench` and that resolves to rows of
 * `{ name, ours_ms, baseline_ms, ratio, backend }`; standalone scripts in
 * bench/ without such an export are run as child processes and their output
 * is passed through (text mode only).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { BenchRow } from './notebook-runner';

function fmt(n: number | null, digits = 1): string {
  return n === null || !Number.isFinite(n) ? '—' : n.toFixed(digits);
}

export function table(rows: BenchRow[]): string {
  const head = ['benchmark', 'ours ms', 'baseline ms', 'ratio', 'backend / baseline'];
  const body = rows.map((r) => [r.name, fmt(r.ours_ms), fmt(r.baseline_ms), r.ratio === null ? '—' : `${fmt(r.ratio, 2)}x`, r.backend]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const only = argv.filter((a) => !a.startsWith('--'));
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
    .filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, '')))
    .sort();
  const rows: BenchRow[] = [];
  for (const f of files) {
    const mod = require(path.join(__dirname, f)) as Record<string, unknown>;
    const fns = Object.entries(mod).filter(([k, v]) => k.startsWith('bench') && typeof v === 'function');
    if (fns.length === 0) {
      if (json) continue;
      console.log(`\n## ${f} (standalone)`);
      execFileSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, f)], { stdio: 'inherit' });
      continue;
    }
    for (const [, fn] of fns) {
      const got = (await (fn as () => Promise<BenchRow[]>)()) ?? [];
      rows.push(...got);
      if (!json) console.log(`\n## ${f}\n${table(got)}`);
    }
  }
  if (json) console.log(JSON.stringify(rows, null, 1));
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
