/**
 * Grid files (lib/sweep/grid.ts): a valid grid read as written, and every
 * kind of mistake refused with the file, the line, the key and what to do.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GridError, type GridSchema, lineOfKey, parseGrid, readGrid, syntaxErrorOffset } from '../../lib/sweep/grid';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-grid-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const FILE = path.join(tmp, 'grid.json');

const schema: GridSchema = {
  train: { noise: { type: 'string' }, epochs: { type: 'string' }, arch: { type: 'string' }, 'd-deviation': { type: 'boolean' }, out: { type: 'string' }, seed: { type: 'string' }, resume: { type: 'boolean' }, data: { type: 'string' } },
  sample: { n: { type: 'string' }, balanced: { type: 'boolean' }, seed: { type: 'string' } },
  evaluate: { classifiers: { type: 'string' }, real: { type: 'string' } },
  models: ['acgan'],
};

/** The GridError of parsing `text` (fails the test when there is none). */
function errorOf(text: string): GridError {
  try {
    parseGrid(text, FILE, schema);
  } catch (err) {
    expect(err).toBeInstanceOf(GridError);
    return err as GridError;
  }
  throw new Error('expected a GridError');
}

describe('parseGrid', () => {
  it('reads a grid as written, with the defaults', () => {
    const g = parseGrid('{ "train": { "arch": "tiny", "epochs": 2, "noise": [0.8, 1.1], "d-deviation": [false, true] } }', FILE, schema);
    expect(g).toEqual({
      file: FILE,
      models: ['acgan'],
      modelSwept: false,
      train: { arch: 'tiny', epochs: 2, noise: [0.8, 1.1], 'd-deviation': [false, true] },
      seeds: [0],
      steps: ['train', 'sample', 'evaluate'],
      sample: {},
      evaluate: {},
      data: null,
    });
    const full = parseGrid('{"model": ["acgan"], "train": {}, "seeds": [2, 0], "steps": ["train", "sample"], "sample": {"n": 100, "balanced": true}, "data": "."}', FILE, schema);
    expect(full).toMatchObject({ models: ['acgan'], modelSwept: true, seeds: [2, 0], steps: ['train', 'sample'], sample: { n: 100, balanced: true }, data: tmp });
  });

  it('points at the line and column of a JSON syntax error', () => {
    const e = errorOf('{\n  "train": {\n    "noise": [0.8, 1.1,]\n  }\n}');
    expect(e.message).toMatch(new RegExp(`^${FILE}, line 3: column 24: not valid JSON`));
    expect(e.line).toBe(3);
    expect(errorOf('{\n "train": {}\n "seeds": [1]\n}').line).toBe(3); // missing comma
  });

  const cases: [string, string, RegExp][] = [
    ['an unknown top-level key', '{"train": {}, "seed": [1]}', /line 1, key "seed": not a grid key \(did you mean "seeds"\?\)/],
    ['no train', '{"seeds": [1]}', /no "train" key/],
    ['an unknown train option', '{"train": {\n "noize": [1]}}', /line 2, key "train.noize": sprint-gan train has no option --noize \(did you mean "noise"\?\)\. Its options: noise, epochs, arch, d-deviation\./],
    ['an option with dashes', '{"train": {"--noise": 1}}', /write the option without its dashes: "noise"/],
    ['an option the sweep sets', '{"train": {"out": "x"}}', /key "train.out": the sweep sets --out itself/],
    ['seed in train', '{"train": {"seed": 1}}', /list the seeds in the top-level "seeds"/],
    ['a flag with a number', '{"train": {"d-deviation": 1}}', /this is a flag: expected true or false, got number 1/],
    ['null', '{"train": {"noise": null}}', /expected a number or a non-empty string, got null/],
    ['an empty list', '{"train": {"noise": []}}', /an empty list makes no runs/],
    ['a repeated value', '{"train": {"noise": [1, 1.0]}}', /the value 1 is listed twice/],
    ['a list in sample', '{"train": {}, "sample": {"n": [1, 2]}}', /only "train" options can be swept/],
    ['sample options without the step', '{"train": {}, "steps": ["train"], "sample": {"n": 5}}', /"steps" does not sample/],
    ['steps out of order', '{"train": {}, "steps": ["train", "evaluate"]}', /key "steps": expected one of \["train"\], \["train","sample"\], \["train","sample","evaluate"\]/],
    ['a bad seed', '{"train": {}, "seeds": [0, -1]}', /key "seeds": expected non-negative integers, got number -1/],
    ['a repeated seed', '{"train": {}, "seeds": [3, 3]}', /a seed is listed twice/],
    ['a model train cannot train', '{"model": "gaussian", "train": {}}', /key "model": sprint-gan train cannot train model "gaussian"; it trains: acgan/],
    ['a missing data folder', '{"train": {}, "data": "nowhere"}', /key "data": .*nowhere does not exist\. "data" is relative to the grid file's folder/],
    ['the real folder in evaluate', '{"train": {}, "evaluate": {"real": "x"}}', /the sweep sets --real itself: name the data folder in the top-level "data"/],
    ['not an object', '[1, 2]', /expected an object/],
  ];
  it.each(cases)('refuses %s, naming the file, key and what to do', (_what, text, message) => {
    const e = errorOf(text);
    expect(e.message.startsWith(FILE)).toBe(true);
    expect(e.message).toMatch(message);
  });
});

describe('syntaxErrorOffset', () => {
  it('finds where JSON stops being JSON, and -1 for valid JSON', () => {
    const valid = ['{}', '[]', ' {"a": [1, -2.5e3, true, false, null, "x\\"y"], "b": {}} ', '"s"', '0'];
    for (const t of valid) {
      expect(() => JSON.parse(t)).not.toThrow();
      expect(syntaxErrorOffset(t)).toBe(-1);
    }
    expect(syntaxErrorOffset('[1,]')).toBe(3);
    expect(syntaxErrorOffset('{"a" 1}')).toBe(5);
    expect(syntaxErrorOffset('{"a": 01}')).toBe(7);
    expect(syntaxErrorOffset('{"a": "open')).toBe(11);
    expect(syntaxErrorOffset('{"a": 1} x')).toBe(9);
    expect(syntaxErrorOffset("{'a': 1}")).toBe(1);
    expect(syntaxErrorOffset('')).toBe(0);
  });
});

describe('lineOfKey', () => {
  it('finds a nested key after its parent, not an earlier key of the same name', () => {
    const text = '{\n "evaluate": {"noise": 1},\n "train": {\n  "noise": 2\n }\n}';
    expect(lineOfKey(text, ['train', 'noise'])).toBe(4);
    expect(lineOfKey(text, ['evaluate', 'noise'])).toBe(2);
    expect(lineOfKey(text, ['missing'])).toBeNull();
  });
});

describe('readGrid', () => {
  it('reads a file, and refuses YAML and a missing file with what to do', () => {
    fs.writeFileSync(FILE, '{"train": {"noise": [1, 2]}}');
    expect(readGrid(FILE, schema).train).toEqual({ noise: [1, 2] });
    expect(() => readGrid(path.join(tmp, 'grid.yaml'), schema)).toThrow(/YAML grid files are not read; write the same keys as JSON/);
    expect(() => readGrid(path.join(tmp, 'none.json'), schema)).toThrow(/none\.json: cannot read the grid file \(ENOENT\)/);
  });
});
