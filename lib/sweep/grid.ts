/**
 * A sweep's grid file: which runs to make, read and checked before anything
 * runs, so a typo fails on the login node in a second and not in 27 queued
 * array tasks.
 *
 * The file is JSON (YAML is not read: it would add a parser dependency for
 * the same keys). Every key but `train` is optional:
 *
 * ```json
 * {
 *   "model": "acgan",
 *   "train": { "arch": "tiny", "mode": "batched", "epochs": 2, "noise": [0.8, 1.1, 1.5] },
 *   "seeds": [0, 1, 2],
 *   "steps": ["train", "sample", "evaluate"],
 *   "sample": { "n": 1000 },
 *   "evaluate": { "classifiers": "forest,logistic" },
 *   "data": "path/to/sprint"
 * }
 * ```
 *
 * - `train`: options of `sprint-gan train`, named as on its command line
 *   without the dashes; numbers and strings as values, true/false for flags.
 *   A list sweeps that option: the runs are every combination of the lists,
 *   times the seeds.
 * - `model`: the generator family (a model `sprint-gan train --model`
 *   trains: the caller says which), or a list of them. Default the first.
 * - `seeds`: every random source of a run (train's --seed; sample's and
 *   evaluate's seeds follow it). Default [0].
 * - `steps`: train, then optionally sample, then evaluate (default all three).
 * - `sample`, `evaluate`: options of those commands for every run (no lists).
 * - `data`: a SPRINT-format folder, relative to the grid file; default
 *   SPRINT_DATA_DIR, else the embedded cohort. Training and evaluation both
 *   use it (evaluate tests on the patients after the paper's training split).
 *
 * Errors name the file, the line and key, what was expected and what to do
 * ({@link GridError}).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The steps of a run, in order. */
export const STEPS = ['train', 'sample', 'evaluate'] as const;
export type Step = (typeof STEPS)[number];

/** A command's options, as its parseArgs table declares them. */
export type OptionKinds = Readonly<Record<string, { type: 'string' | 'boolean' }>>;

/** What the grid may name: the commands' options and the models train can train. */
export interface GridSchema {
  train: OptionKinds;
  sample: OptionKinds;
  evaluate: OptionKinds;
  /** Models `sprint-gan train` can train (today only its AC-GAN). */
  models: readonly string[];
}

export type Scalar = string | number | boolean;

/** A checked grid. */
export interface Grid {
  /** The grid file, absolute. */
  file: string;
  /** Models, in order; `modelSwept`: given as a list (so part of the run names). */
  models: string[];
  modelSwept: boolean;
  /** train's options; a list is swept. */
  train: Record<string, Scalar | Scalar[]>;
  seeds: number[];
  steps: Step[];
  sample: Record<string, Scalar>;
  evaluate: Record<string, Scalar>;
  /** The data folder, absolute; null: SPRINT_DATA_DIR or the embedded cohort. */
  data: string | null;
}

/** A problem in a grid file: where (file, line, key) and what to do. */
export class GridError extends Error {
  constructor(
    readonly file: string,
    readonly key: string | null,
    readonly line: number | null,
    problem: string,
  ) {
    super(`${file}${line !== null ? `, line ${line}` : ''}${key !== null ? `, key "${key}"` : ''}: ${problem}`);
    this.name = 'GridError';
  }
}

const TOP_KEYS = ['model', 'train', 'seeds', 'steps', 'sample', 'evaluate', 'data'];

/** Options a sweep sets itself, per command, with what to write instead. */
const RESERVED: Record<'train' | 'sample' | 'evaluate', Record<string, string>> = {
  train: {
    out: 'the sweep puts each run in <sweep folder>/runs/<run name>/train',
    prefix: 'the sweep puts each run in <sweep folder>/runs/<run name>/train',
    resume: 'the sweep always resumes unfinished runs',
    force: 'a sweep never deletes a run; use a new sweep folder to start over',
    quiet: 'the sweep trains without a progress bar',
    seed: 'list the seeds in the top-level "seeds"',
    data: 'name the data folder in the top-level "data" (training and evaluation use it)',
    model: 'name the model in the top-level "model"',
  },
  sample: {
    run: 'the sweep samples from each run',
    out: 'the sweep writes each run’s patients to <sweep folder>/runs/<run name>/synthetic',
    seed: 'sampling uses the run’s seed (the top-level "seeds")',
    force: 'the sweep manages its own files',
  },
  evaluate: {
    synthetic: 'the sweep evaluates each run’s sampled patients',
    real: 'name the data folder in the top-level "data"',
    json: 'the sweep stores evaluate’s JSON in <sweep folder>/runs/<run name>/evaluate.json',
    seed: 'evaluation uses the run’s seed (the top-level "seeds")',
  },
};

/** 1-based line of character offset `pos` in `text`. */
function lineAt(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The line where key path `keys` (e.g. ['train', 'noise']) is written; null when not found. */
export function lineOfKey(text: string, keys: readonly string[]): number | null {
  let pos = 0;
  for (const k of keys) {
    const at = text.indexOf(JSON.stringify(k), pos);
    if (at < 0) return null;
    pos = at;
  }
  return lineAt(text, pos);
}

/** A checker of one file's values, which knows how to point at a key. */
class Checker {
  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  fail(keys: readonly string[], problem: string): never {
    throw new GridError(this.file, keys.length ? keys.join('.') : null, lineOfKey(this.text, keys), problem);
  }

  object(value: unknown, keys: readonly string[]): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail(keys, `expected an object ({ "option": value, ... }), got ${describe(value)}.`);
    }
    return value as Record<string, unknown>;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

function didYouMean(name: string, known: readonly string[]): string {
  const close = known.filter((k) => k.startsWith(name.slice(0, 3)) || name.startsWith(k.slice(0, 3)));
  return close.length ? ` (did you mean ${close.map((k) => `"${k}"`).join(' or ')}?)` : '';
}

/** One option value: a flag's true/false, or a string option's string or finite number. */
function checkScalar(c: Checker, keys: string[], kind: 'string' | 'boolean', v: unknown): Scalar {
  if (kind === 'boolean') {
    if (typeof v !== 'boolean') c.fail(keys, `this is a flag: expected true or false, got ${describe(v)}.`);
    return v;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '') return v;
  return c.fail(keys, `expected a number or a non-empty string, got ${describe(v)}.`);
}

/** A command's options from the grid: known names, not reserved, right kinds; lists only where `lists`. */
function checkOptions(c: Checker, section: 'train' | 'sample' | 'evaluate', value: unknown, kinds: OptionKinds, lists: boolean): Record<string, Scalar | Scalar[]> {
  const obj = c.object(value, [section]);
  const out: Record<string, Scalar | Scalar[]> = {};
  for (const [name, v] of Object.entries(obj)) {
    const keys = [section, name];
    if (name.startsWith('-')) c.fail(keys, `write the option without its dashes: "${name.replace(/^-+/, '')}".`);
    const reserved = RESERVED[section][name];
    if (reserved !== undefined) c.fail(keys, `the sweep sets --${name} itself: ${reserved}.`);
    const kind = kinds[name];
    if (!kind || name === 'help') {
      const known = Object.keys(kinds).filter((k) => k !== 'help' && RESERVED[section][k] === undefined);
      c.fail(keys, `sprint-gan ${section} has no option --${name}${didYouMean(name, known)}. Its options: ${known.join(', ')}.`);
    }
    if (Array.isArray(v)) {
      if (!lists) c.fail(keys, `only "train" options can be swept with a list; give one value for every run.`);
      if (v.length === 0) c.fail(keys, 'an empty list makes no runs: give at least one value.');
      const values = v.map((x, i) => checkScalar(c, [...keys, String(i)], kind.type, x));
      const seen = new Set<string>();
      for (const x of values) {
        if (seen.has(String(x))) c.fail(keys, `the value ${JSON.stringify(x)} is listed twice; each value makes its own runs.`);
        seen.add(String(x));
      }
      out[name] = values;
    } else {
      out[name] = checkScalar(c, keys, kind.type, v);
    }
  }
  return out;
}

function checkModels(c: Checker, value: unknown, models: readonly string[]): { models: string[]; swept: boolean } {
  if (value === undefined) return { models: [models[0] ?? 'acgan'], swept: false };
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) c.fail(['model'], 'an empty list makes no runs: name at least one model.');
  const seen = new Set<string>();
  for (const m of list) {
    if (typeof m !== 'string') c.fail(['model'], `expected a model name, got ${describe(m)}.`);
    if (!models.includes(m)) c.fail(['model'], `sprint-gan train cannot train model "${m}"; it trains: ${models.join(', ')}.`);
    if (seen.has(m)) c.fail(['model'], `"${m}" is listed twice.`);
    seen.add(m);
  }
  return { models: list as string[], swept: Array.isArray(value) };
}

function checkSeeds(c: Checker, value: unknown): number[] {
  if (value === undefined) return [0];
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) c.fail(['seeds'], 'an empty list makes no runs: give at least one seed, e.g. [0, 1, 2].');
  for (const s of list) {
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0) c.fail(['seeds'], `expected non-negative integers, got ${describe(s)}.`);
  }
  if (new Set(list).size !== list.length) c.fail(['seeds'], 'a seed is listed twice; the same seed gives the same run.');
  return list as number[];
}

function checkSteps(c: Checker, value: unknown): Step[] {
  if (value === undefined) return [...STEPS];
  const ok = STEPS.map((_, i) => STEPS.slice(0, i + 1));
  if (!Array.isArray(value) || !ok.some((s) => JSON.stringify(s) === JSON.stringify(value))) {
    c.fail(['steps'], `expected one of ${ok.map((s) => JSON.stringify(s)).join(', ')} (each step needs the one before it), got ${JSON.stringify(value)}.`);
  }
  return value as Step[];
}

/**
 * Offset of the first JSON syntax error in `text`, -1 when there is none.
 * JSON.parse's messages on Node 20 do not always say where ("Unexpected
 * token ']', ..."), so a small scanner of JSON's grammar finds the place.
 */
export function syntaxErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const string = () => {
    for (i++; text[i] !== '"'; i++) {
      if (i >= text.length || text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') i++;
    }
    i++;
  };
  const items = (close: string, item: () => void) => {
    i++;
    space();
    if (text[i] === close) return void i++;
    for (;;) {
      item();
      space();
      if (text[i] === close) return void i++;
      if (text[i] !== ',') fail();
      i++;
    }
  };
  const value = (): void => {
    space();
    if (text[i] === '{') {
      return items('}', () => {
        space();
        if (text[i] !== '"') fail();
        string();
        space();
        if (text[i] !== ':') fail();
        i++;
        value();
      });
    }
    if (text[i] === '[') return items(']', value);
    if (text[i] === '"') return string();
    const literal = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (!literal) fail();
    i += (literal as RegExpExecArray)[0].length;
  };
  try {
    value();
    space();
    if (i < text.length) fail();
    return -1;
  } catch (at) {
    if (typeof at === 'number') return at;
    throw at;
  }
}

/**
 * Parses and checks a grid file's text. `file` names it in errors and
 * resolves `data` (relative to the file's folder).
 */
export function parseGrid(text: string, file: string, schema: GridSchema): Grid {
  const abs = path.resolve(file);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const at = syntaxErrorOffset(text);
    const where = at >= 0 ? `column ${at - text.lastIndexOf('\n', at - 1)}: ` : '';
    throw new GridError(abs, null, lineAt(text, Math.max(at, 0)), `${where}not valid JSON (${(err as Error).message}). A grid file is one JSON object; see \`sprint-gan sweep --help\`.`);
  }
  const c = new Checker(abs, text);
  const top = c.object(raw, []);
  for (const k of Object.keys(top)) {
    if (!TOP_KEYS.includes(k)) c.fail([k], `not a grid key${didYouMean(k, TOP_KEYS)}. The keys: ${TOP_KEYS.join(', ')}.`);
  }
  if (top.train === undefined) c.fail([], 'no "train" key: give the options of sprint-gan train, e.g. { "train": { "epochs": 2, "noise": [0.8, 1.1] } }.');
  const { models, swept } = checkModels(c, top.model, schema.models);
  const steps = checkSteps(c, top.steps);
  if (top.sample !== undefined && !steps.includes('sample')) c.fail(['sample'], 'sample options given, but "steps" does not sample: add "sample" to "steps" or remove these options.');
  if (top.evaluate !== undefined && !steps.includes('evaluate')) c.fail(['evaluate'], 'evaluate options given, but "steps" does not evaluate: add "evaluate" to "steps" or remove these options.');
  let data: string | null = null;
  const given = top.data;
  if (given !== undefined) {
    if (typeof given !== 'string' || given.trim() === '') return c.fail(['data'], `expected the path of a SPRINT-format folder, got ${describe(given)}.`);
    data = path.resolve(path.dirname(abs), given);
    if (!fs.existsSync(data)) c.fail(['data'], `${data} does not exist. "data" is relative to the grid file's folder.`);
  }
  return {
    file: abs,
    models,
    modelSwept: swept,
    train: checkOptions(c, 'train', top.train, schema.train, true),
    seeds: checkSeeds(c, top.seeds),
    steps,
    sample: checkOptions(c, 'sample', top.sample ?? {}, schema.sample, false) as Record<string, Scalar>,
    evaluate: checkOptions(c, 'evaluate', top.evaluate ?? {}, schema.evaluate, false) as Record<string, Scalar>,
    data,
  };
}

/** Reads and checks a grid file ({@link parseGrid}); YAML files are refused with what to do. */
export function readGrid(file: string, schema: GridSchema): Grid {
  const abs = path.resolve(file);
  if (/\.ya?ml$/i.test(file)) throw new GridError(abs, null, null, 'YAML grid files are not read; write the same keys as JSON (a .json file).');
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    throw new GridError(abs, null, null, `cannot read the grid file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
  return parseGrid(text, abs, schema);
}
