/**
 * `npm run bench [-- --json] [-- only...]`: every benchmark of the project, each
 * printing our time next to a baseline measured in the same run.
 *
 * A benchmark is a file `bench/<name>.ts` exporting an async function whose
 * name starts with `bench` and that resolves to rows of
 * `{ name, ours_ms, baseline_ms, ratio, backend }`; standalone scripts in
 * bench/ without such an export are run as child processes, once, and their
 * output is passed through in text mode. A standalone script that exports
 * `JSON_ROWS = true` also runs (once) in `--json` mode, with `--json`: it
 * prints one JSON row per line on stdout (its other messages on stderr), and
 * those rows join the array (bench/utility.ts). The others are skipped there.
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

/** The rows a standalone script printed in `--json` mode: one JSON object per non-empty line. */
function jsonRows(stdout: string, script: string): BenchRow[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as BenchRow;
      } catch {
        throw new Error(`${script} --json: line ${i + 1} of its output is not a JSON row: ${l.slice(0, 120)}`);
      }
    });
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
      const script = [require.resolve('tsx/cli'), path.join(__dirname, f)];
      if (!json) {
        console.log(`\n## ${f} (standalone)`);
        execFileSync(process.execPath, script, { stdio: 'inherit' });
      } else if (mod.JSON_ROWS === true) {
        const out = execFileSync(process.execPath, [...script, '--json'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20 });
        rows.push(...jsonRows(out, f));
      }
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
