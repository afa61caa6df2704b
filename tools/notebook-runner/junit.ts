/** JUnit XML for CI dashboards: one testsuite per notebook, one testcase per code cell. */
import type { NotebookResult } from './run';

function esc(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export function toJUnit(results: NotebookResult[]): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = results.reduce((n, r) => n + Math.max(1, r.cells.length), 0);
  const failures = results.reduce((n, r) => n + (r.error ? 1 : r.cells.filter((c) => c.status === 'failed' || c.status === 'not-run').length), 0);
  lines.push(`<testsuites name="notebooks" tests="${total}" failures="${failures}">`);
  for (const r of results) {
    const fails = r.cells.filter((c) => c.status === 'failed' || c.status === 'not-run').length;
    const skipped = r.cells.filter((c) => c.status === 'skipped').length;
    lines.push(`  <testsuite name="${esc(r.file)}" tests="${Math.max(1, r.cells.length)}" failures="${r.error ? Math.max(1, fails) : fails}" skipped="${skipped}" time="${(r.durationMs / 1000).toFixed(3)}">`);
    if (r.error) lines.push(`    <testcase classname="${esc(r.file)}" name="notebook"><failure message="${esc(r.error)}"/></testcase>`);
    for (const c of r.cells) {
      const name = `cell ${c.index} (${c.id}): ${c.title}`;
      lines.push(`    <testcase classname="${esc(r.file)}" name="${esc(name)}" time="${(c.durationMs / 1000).toFixed(3)}">`);
      if (c.status === 'failed') lines.push(`      <failure message="${esc(c.problems[0]?.split('\n')[0] ?? 'failed')}">${esc(c.problems.join('\n\n'))}</failure>`);
      if (c.status === 'not-run') lines.push(`      <failure message="not run: an earlier cell failed"/>`);
      if (c.status === 'skipped') lines.push('      <skipped/>');
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}
