/**
 * The runner's live display: plain lines for logs (every complete output
 * line, a progress bar at most every 30 s), a redrawn status area on a
 * terminal, and elapsed times from the notebook's start.
 */
import { describe, expect, it } from 'vitest';
import { Progress, formatElapsed } from '../../tools/notebook-runner/progress';

function harness(tty: boolean) {
  let t = 0;
  const out: string[] = [];
  const p = new Progress((s) => out.push(s), { tty, now: () => t, barEveryMs: 30_000, redrawMs: 0, columns: 80 });
  return { p, out, advance: (ms: number) => (t += ms) };
}

describe('runner progress', () => {
  it('formats elapsed time', () => {
    expect(formatElapsed(0)).toBe('0s');
    expect(formatElapsed(42_900)).toBe('42s');
    expect(formatElapsed(65_000)).toBe('1m05s');
    expect(formatElapsed(3_600_000)).toBe('60m00s');
  });

  it('plain mode: a line per cell and per output line; carriage-return bars at most every 30 s', () => {
    const { p, out, advance } = harness(false);
    const on = p.listener('/x/notebooks/02_train.ipynb');
    on({ kind: 'cell', index: 6, count: 18, title: 'const common = {' });
    advance(1000);
    on({ kind: 'output', text: 'Training batched mode: 6000 patients\n' });
    advance(1000);
    on({ kind: 'output', text: '\repoch 1/20 [#---] 5/94 eta 1m' }); // within 30 s of the last line: held back
    advance(40_000);
    on({ kind: 'output', text: '\repoch 1/20 [##--] 40/94 eta 30s' });
    advance(5_000);
    on({ kind: 'output', text: '\repoch 1/20 [###-] 60/94 eta 20s' });
    on({ kind: 'output', text: '\repoch 1/20 [####] 94/94 eta 0s\n' });
    expect(out.join('')).toBe(
      [
        '[02_train cell 6/18 0s] const common = {',
        '[02_train cell 6/18 1s] Training batched mode: 6000 patients',
        '[02_train cell 6/18 42s] epoch 1/20 [##--] 40/94 eta 30s',
        '[02_train cell 6/18 47s] epoch 1/20 [####] 94/94 eta 0s',
        '',
      ].join('\n'),
    );
    p.print('PASS notebooks/02_train.ipynb');
    expect(out[out.length - 1]).toBe('PASS notebooks/02_train.ipynb\n');
  });

  it('terminal mode: one redrawn status line per running notebook, output lines printed above', () => {
    const { p, out } = harness(true);
    const a = p.listener('03_evaluate.ipynb');
    const b = p.listener('04_figure2.ipynb');
    a({ kind: 'cell', index: 2, count: 9, title: 'x' });
    b({ kind: 'output', text: '\rscoring 3/30' });
    const screen = out.join('');
    // The last frame: both notebooks' status lines, after erasing the previous frame.
    expect(screen.endsWith('\x1b[2F\x1b[J[03_evaluate cell 2/9 0s] \n[04_figure2  0s] scoring 3/30\n')).toBe(true);
    out.length = 0;
    a({ kind: 'output', text: 'done\n' });
    expect(out.join('')).toBe('\x1b[2F\x1b[J[03_evaluate cell 2/9 0s] done\n[03_evaluate cell 2/9 0s] \n[04_figure2  0s] scoring 3/30\n');
    out.length = 0;
    p.done('03_evaluate.ipynb');
    p.print('PASS 03');
    expect(out.join('')).toBe('\x1b[2F\x1b[J[04_figure2  0s] scoring 3/30\n\x1b[1F\x1b[JPASS 03\n[04_figure2  0s] scoring 3/30\n');
  });
});
