import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode, encode, makeMessage, sign } from '../../tools/notebook-runner/protocol';
import { applyControlChars, messagesToOutputs } from '../../tools/notebook-runner/outputs';
import { compareOutputs, lineDiff, numbersClose, sanitize, textsMatch } from '../../tools/notebook-runner/compare';
import { parseConfig, ConfigError } from '../../tools/notebook-runner/config';
import { declaredParameters, injectParameters, parseParam, ParameterError } from '../../tools/notebook-runner/params';
import { parseNotebook, serializeNotebook, splitLines, type Notebook, type Output } from '../../tools/notebook-runner/notebook';
import { parseCli, profileValues, stages, UsageError } from '../../tools/notebook-runner/cli';
import { validateNotebookJson } from '../../tools/notebook-runner/validate';
import { toJUnit } from '../../tools/notebook-runner/junit';
import type { JupyterMessage } from '../../tools/notebook-runner/protocol';

describe('protocol', () => {
  it('signs with HMAC-SHA256 over the four JSON frames (RFC 4231 test case 2)', () => {
    // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?"
    expect(sign('Jefe', ['what do ya ', 'want for nothing?'])).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
  it('round-trips a message and rejects a tampered one', () => {
    const msg = makeMessage('s', 'execute_request', { code: '1+1' });
    const frames = encode('k', msg);
    expect(frames[0]).toBe('<IDS|MSG>');
    const back = decode('k', [Buffer.from('identity'), ...frames.map((f) => Buffer.from(f))]);
    expect(back.content).toEqual({ code: '1+1' });
    const bad = [...frames];
    bad[5] = JSON.stringify({ code: '2+2' });
    expect(() => decode('k', bad)).toThrow(/signature/);
  });
});

function msg(type: string, content: Record<string, unknown>): JupyterMessage {
  return { header: { msg_type: type } as JupyterMessage['header'], parent_header: {}, metadata: {}, content };
}

describe('outputs', () => {
  it('applies carriage returns and backspaces like a terminal', () => {
    expect(applyControlChars('10%\r50%\r100%\ndone\n')).toBe('100%\ndone\n');
    expect(applyControlChars('abc\x08\x08d\n')).toBe('ad\n');
    expect(applyControlChars('a\r\nb')).toBe('a\nb');
  });
  it('merges stream chunks, keeps order across names, honours clear_output and display updates', () => {
    const out = messagesToOutputs([
      msg('stream', { name: 'stdout', text: 'a' }),
      msg('stream', { name: 'stdout', text: 'b\n' }),
      msg('stream', { name: 'stderr', text: 'w\n' }),
      msg('display_data', { data: { 'text/plain': 'x' }, metadata: {}, transient: { display_id: 'd1' } }),
      msg('update_display_data', { data: { 'text/plain': 'y' }, metadata: {}, transient: { display_id: 'd1' } }),
    ]);
    expect(out).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'ab\n' },
      { output_type: 'stream', name: 'stderr', text: 'w\n' },
      { output_type: 'display_data', data: { 'text/plain': 'y' }, metadata: {} },
    ]);
    const cleared = messagesToOutputs([msg('stream', { name: 'stdout', text: 'old\n' }), msg('clear_output', { wait: true }), msg('stream', { name: 'stdout', text: 'new\n' })]);
    expect(cleared).toEqual([{ output_type: 'stream', name: 'stdout', text: 'new\n' }]);
  });
});

describe('compare', () => {
  const cfg = { sanitizers: [{ regex: '\\d+ ms', replace: '<ms>' }], tolerance: { relative: 1e-6, absolute: 1e-12 } };
  const stream = (text: string): Output => ({ output_type: 'stream', name: 'stdout', text });
  it('compares numbers within the relative tolerance and nothing else loosely', () => {
    expect(textsMatch('loss 0.1234567', 'loss 0.12345671', { relative: 1e-6 })).toBe(true);
    expect(textsMatch('loss 0.1234567', 'loss 0.1234577', { relative: 1e-6 })).toBe(false);
    expect(textsMatch('acc 0.93', 'acc 0.930', { relative: 1e-6 })).toBe(true);
    expect(textsMatch('acc 0.93', 'ACC 0.93', { relative: 1e-6 })).toBe(false);
    expect(textsMatch('1 2 3', '1 2', { relative: 1 })).toBe(false);
    expect(numbersClose(1231, 1234.4, { significantDigits: 3 })).toBe(true);
    expect(numbersClose(1234.5, 1245, { significantDigits: 3 })).toBe(false);
    expect(numbersClose(NaN, NaN, {})).toBe(true); // the same text "NaN" on both sides
    expect(numbersClose(NaN, 1, { relative: 1 })).toBe(false);
    expect(numbersClose(0, 1e-13, { absolute: 1e-12 })).toBe(true);
  });
  it('sanitizes both sides before comparing', () => {
    expect(sanitize('took 12 ms', cfg.sanitizers)).toBe('took <ms>');
    expect(compareOutputs([stream('took 12 ms\n')], [stream('took 9031 ms\n')], cfg)).toEqual([]);
  });
  it('reports a readable diff for a changed stream', () => {
    const d = compareOutputs([stream('a\nb 1\nc\n')], [stream('a\nb 2\nc\n')], cfg);
    expect(d).toHaveLength(1);
    expect(d[0]).toContain('- b 1');
    expect(d[0]).toContain('+ b 2');
  });
  it('compares images by MIME type and presence only', () => {
    const img = (png: string, extra = {}): Output => ({ output_type: 'display_data', data: { 'image/png': png, ...extra }, metadata: {} });
    expect(compareOutputs([img('AAAA')], [img('BBBB')], cfg)).toEqual([]);
    expect(compareOutputs([img('AAAA')], [img('AAAA', { 'text/html': '<p>' })], cfg)[0]).toMatch(/MIME types/);
  });
  it('compares JSON outputs regardless of key order, numbers within tolerance', () => {
    const json = (v: unknown): Output => ({ output_type: 'display_data', data: { 'application/vnd.plotly.v1+json': v }, metadata: {} });
    expect(compareOutputs([json({ b: 1, a: { d: 2, c: 3 } })], [json({ a: { c: 3, d: 2 }, b: 1 })], cfg)).toEqual([]);
    expect(compareOutputs([json({ a: 1 })], [json({ a: 1 + 1e-9 })], cfg)).toEqual([]);
    expect(compareOutputs([json({ a: 1 })], [json({ a: 2 })], cfg)[0]).toMatch(/vnd.plotly.v1\+json\) differs/);
  });
  it('flags missing, extra and retyped outputs', () => {
    expect(compareOutputs([stream('x')], [], cfg)[0]).toMatch(/was not produced/);
    expect(compareOutputs([], [stream('x')], cfg)[0]).toMatch(/not in the stored/);
    expect(compareOutputs([stream('x')], [{ output_type: 'stream', name: 'stderr', text: 'x' }], cfg)[0]).toMatch(/stored stream stdout, got stream stderr/);
  });
  it('line diff marks only the changed lines with context', () => {
    expect(lineDiff('1\n2\n3\n4\n5\n6\n7', '1\n2\n3\nX\n5\n6\n7', 1)).toBe('  ...\n  3\n- 4\n+ X\n  5\n  ...');
  });
  it('rejects a config with a broken regex', () => {
    expect(() => parseConfig('{"sanitizers":[{"regex":"(","replace":""}]}', 'x.json')).toThrow(ConfigError);
    expect(() => parseConfig('{', 'x.json')).toThrow(/x.json: not valid JSON/);
  });
});

const baseNb = (paramSource: string): Notebook => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: [
    { cell_type: 'code', id: 'p', source: paramSource, metadata: { tags: ['parameters'] }, outputs: [], execution_count: null },
    { cell_type: 'code', id: 'b', source: 'epochs', metadata: {}, outputs: [], execution_count: null },
  ],
});

describe('parameters', () => {
  it('finds top-level declarations', () => {
    expect(declaredParameters('let epochs = 3;\nconst seed = 1;\n  let nested = 2;\nvar x = "a"')).toEqual([
      { kind: 'let', name: 'epochs' },
      { kind: 'const', name: 'seed' },
      { kind: 'var', name: 'x' },
    ]);
  });
  it('parses --param values as JSON, else string', () => {
    expect(parseParam('epochs=5')).toEqual(['epochs', 5]);
    expect(parseParam('name=paper')).toEqual(['name', 'paper']);
    expect(parseParam('list=[1,2]')).toEqual(['list', [1, 2]]);
    expect(() => parseParam('=3')).toThrow(ParameterError);
  });
  it('injects a tagged cell after the parameters cell and records it', () => {
    const { notebook, injected } = injectParameters(baseNb('let epochs = 3;\nlet mode = "ci";'), { epochs: 7, other: 1 }, 'profile x');
    expect(injected).toEqual({ epochs: 7 });
    expect(notebook.cells.map((c) => c.id)).toHaveLength(3);
    expect(notebook.cells[1].metadata.tags).toEqual(['injected-parameters']);
    expect(notebook.cells[1].source).toBe('// Parameters injected by the notebook runner (profile x).\nepochs = 7;\nvoid 0;');
    expect(notebook.metadata.sprint_runner).toEqual({ injected_parameters: { epochs: 7 }, origin: 'profile x' });
    // Injecting again replaces the earlier injected cell.
    const again = injectParameters(notebook, { epochs: 9 }, 'y').notebook;
    expect(again.cells).toHaveLength(3);
    expect(again.cells[1].source).toContain('epochs = 9;');
  });
  it('refuses const parameters and unknown strict names', () => {
    expect(() => injectParameters(baseNb('const epochs = 3;'), { epochs: 1 }, 'x')).toThrow(/declared with const/);
    expect(() => injectParameters(baseNb('let epochs = 3;'), { seed: 1 }, 'x', ['seed'])).toThrow(/declares epochs/);
  });
});

describe('notebook format', () => {
  it('splits lines the nbformat way', () => {
    expect(splitLines('a\nb\n')).toEqual(['a\n', 'b\n']);
    expect(splitLines('a\nb')).toEqual(['a\n', 'b']);
    expect(splitLines('')).toEqual([]);
  });
  it('serializes with sorted keys, 1-space indent and a trailing newline, stably', () => {
    const text = serializeNotebook(baseNb('let epochs = 3;'));
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe(' "cells": [');
    const keys = Object.keys(JSON.parse(text).cells[0]);
    expect(keys).toEqual([...keys].sort());
    expect(serializeNotebook(parseNotebook(text))).toBe(text);
    expect(validateNotebookJson(JSON.parse(text))).toEqual([]);
  });
  it('gives cells without ids stable ids and upgrades to 4.5', () => {
    const text = JSON.stringify({ nbformat: 4, nbformat_minor: 2, metadata: {}, cells: [{ cell_type: 'markdown', metadata: {}, source: 'x' }] });
    const a = parseNotebook(text, 'a.ipynb');
    expect(a.cells[0].id).toMatch(/^[0-9a-f]{8}$/);
    expect(parseNotebook(text, 'a.ipynb').cells[0].id).toBe(a.cells[0].id);
    expect(validateNotebookJson(JSON.parse(serializeNotebook(a)))).toEqual([]);
  });
  it('the validator catches what the 4.5 schema forbids', () => {
    expect(validateNotebookJson({ nbformat: 4, nbformat_minor: 4, metadata: {}, cells: [{ cell_type: 'code', metadata: {}, source: '' }] })).toEqual(
      expect.arrayContaining(['nbformat_minor must be >= 5 (cell ids)', expect.stringMatching(/cell 1: id must match/), 'cell 1: outputs must be a list']),
    );
    expect(validateNotebookJson({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', id: 'a b', metadata: {}, source: '', outputs: [{ output_type: 'stream', name: 'x', text: 1 }], execution_count: null }] })).toHaveLength(3);
  });
});

describe('cli', () => {
  it('parses options and rejects bad ones', () => {
    const o = parseCli(['a.ipynb', '--update', '--param', 'n=2', '--timeout', '5', '--jobs', '3', '--junit', 'r.xml'], {});
    expect(o).toMatchObject({ paths: ['a.ipynb'], update: true, params: { n: 2 }, timeout: 5, jobs: 3, junit: 'r.xml' });
    expect(parseCli([], { SPRINT_PROFILE: 'paper' })).toMatchObject({ paths: ['notebooks'], profile: 'paper', update: false });
    expect(() => parseCli(['--jobs', '0'], {})).toThrow(UsageError);
    expect(() => parseCli(['--bogus'], {})).toThrow(UsageError);
    expect(parseCli(['--help'], {})).toBe('help');
  });
  it("gives each kernel its own files where a profile says {kernel}", () => {
    const smoke = { runsDir: '../runs/smoke-{kernel}', cohortFile: '../runs/smoke-{kernel}/cohort.json', epochs: 5, label: 'no placeholder' };
    expect(profileValues(smoke, 'deno')).toEqual({ runsDir: '../runs/smoke-deno', cohortFile: '../runs/smoke-deno/cohort.json', epochs: 5, label: 'no placeholder' });
    expect(profileValues(smoke, 'tslab').runsDir).toBe('../runs/smoke-tslab');
    // The committed smoke profile moves every parameter of the notebooks that points into runs/
    // (where they write) to runs/smoke-<kernel>.
    const dir = path.join(__dirname, '..', '..', 'notebooks');
    const smokeDeno = profileValues(JSON.parse(fs.readFileSync(path.join(dir, 'runner.config.json'), 'utf8')).profiles.smoke, 'deno');
    const intoRuns = new Set<string>();
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ipynb'))) {
      const nb = parseNotebook(fs.readFileSync(path.join(dir, f), 'utf8'));
      const cell = nb.cells.find((c) => c.cell_type === 'code' && (c.metadata.tags as string[] | undefined)?.includes('parameters'))!;
      for (const m of cell.source.matchAll(/^let\s+(\w+)\s*=\s*'\.\.\/runs\b/gm)) intoRuns.add(m[1]);
    }
    expect([...intoRuns].sort()).toEqual(['cohortFile', 'largeTestFile', 'runsDir']);
    for (const name of intoRuns) expect(String(smokeDeno[name])).toMatch(/^\.\.\/runs\/smoke-deno(\/|$)/);
  });
  it('orders numbered notebooks into stages; unnumbered ones join the first', () => {
    expect(stages(['n/02_train.ipynb', 'n/01_pre.ipynb', 'n/x.ipynb', 'n/02_b.ipynb', 'n/10_z.ipynb'])).toEqual([
      ['n/x.ipynb', 'n/01_pre.ipynb'],
      ['n/02_train.ipynb', 'n/02_b.ipynb'],
      ['n/10_z.ipynb'],
    ]);
    expect(stages(['a.ipynb', 'b.ipynb'])).toEqual([['a.ipynb', 'b.ipynb']]);
  });
  it('writes JUnit XML with escaped failure text', () => {
    const xml = toJUnit([
      {
        file: 'n/a.ipynb',
        passed: false,
        cells: [{ index: 2, id: 'c', title: 'x < y', status: 'failed', problems: ['bad & worse'], durationMs: 10 }],
        durationMs: 20,
        executed: baseNb(''),
      },
    ]);
    expect(xml).toContain('<testsuite name="n/a.ipynb" tests="1" failures="1"');
    expect(xml).toContain('name="cell 2 (c): x &lt; y"');
    expect(xml).toContain('bad &amp; worse');
  });
});
