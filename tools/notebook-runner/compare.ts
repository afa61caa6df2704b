/**
 * nbval-style comparison of a cell's stored outputs with freshly computed ones.
 *
 * - Text is first passed through the sanitizers (regex replacements from the
 *   committed config) on both sides: timestamps, durations, paths, temp names.
 * - Numbers embedded in text are then compared with a tolerance; everything
 *   between the numbers must match exactly.
 * - Images (image/*) are compared by MIME type and presence, never by bytes.
 * - Outputs must agree in count, order, type, stream name and MIME keys.
 */
import type { MimeBundle, Output } from './notebook';

export interface Sanitizer {
  /** JavaScript regular expression source, applied with the `g` flag (plus `flags`). */
  regex: string;
  replace: string;
  flags?: string;
}

export interface Tolerance {
  /** Relative tolerance |a-b| <= relative * max(|a|,|b|). */
  relative?: number;
  /** Absolute tolerance |a-b| <= absolute. */
  absolute?: number;
  /** Alternatively: equal when rounded to this many significant digits. */
  significantDigits?: number;
}

export interface CompareConfig {
  sanitizers: Sanitizer[];
  tolerance: Tolerance;
}

export const DEFAULT_CONFIG: CompareConfig = {
  sanitizers: [],
  tolerance: { relative: 1e-6, absolute: 1e-12 },
};

export function sanitize(text: string, sanitizers: Sanitizer[]): string {
  let out = text;
  for (const s of sanitizers) out = out.replace(new RegExp(s.regex, 'g' + (s.flags ?? '')), s.replace);
  return out;
}

const NUMBER = /[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|NaN|-?Infinity/g;

export function numbersClose(a: number, b: number, tol: Tolerance): boolean {
  if (Object.is(a, b) || a === b) return true;
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  if (tol.significantDigits !== undefined) {
    return Number(a.toPrecision(tol.significantDigits)) === Number(b.toPrecision(tol.significantDigits));
  }
  const diff = Math.abs(a - b);
  return diff <= (tol.absolute ?? 0) || diff <= (tol.relative ?? 0) * Math.max(Math.abs(a), Math.abs(b));
}

/** True when two texts are equal apart from numbers that agree within the tolerance. */
export function textsMatch(stored: string, fresh: string, tol: Tolerance): boolean {
  if (stored === fresh) return true;
  const partsA = stored.split(NUMBER);
  const partsB = fresh.split(NUMBER);
  if (partsA.length !== partsB.length || partsA.some((p, i) => p !== partsB[i])) return false;
  const numsA = stored.match(NUMBER) ?? [];
  const numsB = fresh.match(NUMBER) ?? [];
  return numsA.every((n, i) => numbersClose(Number(n), Number(numsB[i]), tol));
}

/** A minimal line diff (LCS), `-` stored, `+` fresh, with two lines of context. */
export function lineDiff(stored: string, fresh: string, context = 2): string {
  const a = stored.split('\n');
  const b = fresh.split('\n');
  const n = a.length;
  const m = b.length;
  if (n * m > 4_000_000) return `- (stored: ${n} lines)\n+ (new: ${m} lines)\n  (too long to diff line by line)`;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const ops: Array<[' ' | '-' | '+', string]> = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push([' ', a[i++]]), j++;
    else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push(['-', a[i++]]);
    else ops.push(['+', b[j++]]);
  }
  const keep = ops.map((op, k) => op[0] !== ' ' || ops.slice(Math.max(0, k - context), k + context + 1).some((o) => o[0] !== ' '));
  const lines: string[] = [];
  ops.forEach((op, k) => {
    if (keep[k]) lines.push(`${op[0]} ${op[1]}`);
    else if (k === 0 || keep[k - 1]) lines.push('  ...');
  });
  return lines.join('\n');
}

/** JSON with object keys sorted, so key order (which --update normalizes) never counts as a difference. */
function canonicalJson(v: unknown): string {
  const sortKeys = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sortKeys)
      : x && typeof x === 'object'
        ? Object.fromEntries(Object.keys(x as object).sort().map((k) => [k, sortKeys((x as Record<string, unknown>)[k])]))
        : x;
  return JSON.stringify(sortKeys(v), null, 1);
}

function bundleText(mime: string, v: unknown): string | null {
  if (mime.startsWith('image/')) return null; // presence only
  return typeof v === 'string' ? v : canonicalJson(v);
}

function describe(o: Output): string {
  return o.output_type === 'stream' ? `stream ${o.name}` : o.output_type;
}

/**
 * Compares two output lists; returns the list of human-readable differences
 * (empty when they match). `storedIn` names where `stored` comes from.
 */
export function compareOutputs(stored: Output[], fresh: Output[], cfg: CompareConfig, storedIn = 'the stored notebook'): string[] {
  const problems: string[] = [];
  const clean = (t: string) => sanitize(t, cfg.sanitizers);
  const len = Math.max(stored.length, fresh.length);
  for (let k = 0; k < len; k++) {
    const s = stored[k];
    const f = fresh[k];
    if (!s) {
      problems.push(`output ${k + 1}: new ${describe(f)} output not in ${storedIn}:\n${lineDiff('', outputText(f))}`);
      continue;
    }
    if (!f) {
      problems.push(`output ${k + 1}: stored ${describe(s)} output was not produced:\n${lineDiff(outputText(s), '')}`);
      continue;
    }
    if (describe(s) !== describe(f)) {
      problems.push(`output ${k + 1}: stored ${describe(s)}, got ${describe(f)}`);
      continue;
    }
    if (s.output_type === 'stream' && f.output_type === 'stream') {
      const a = clean(s.text);
      const b = clean(f.text);
      if (!textsMatch(a, b, cfg.tolerance)) problems.push(`output ${k + 1} (${describe(s)}) differs:\n${lineDiff(a, b)}`);
    } else if (s.output_type === 'error' && f.output_type === 'error') {
      const a = clean(`${s.ename}: ${s.evalue}`);
      const b = clean(`${f.ename}: ${f.evalue}`);
      if (!textsMatch(a, b, cfg.tolerance)) problems.push(`output ${k + 1} (error) differs:\n${lineDiff(a, b)}`);
    } else if ('data' in s && 'data' in f) {
      problems.push(...compareBundles(k + 1, s.data, f.data, cfg));
    }
  }
  return problems;
}

function compareBundles(k: number, a: MimeBundle, b: MimeBundle, cfg: CompareConfig): string[] {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.join() !== kb.join()) return [`output ${k}: stored MIME types [${ka.join(', ')}], got [${kb.join(', ')}]`];
  const problems: string[] = [];
  for (const mime of ka) {
    const ta = bundleText(mime, a[mime]);
    const tb = bundleText(mime, b[mime]);
    if (ta === null || tb === null) continue;
    const ca = sanitize(ta, cfg.sanitizers);
    const cb = sanitize(tb, cfg.sanitizers);
    if (!textsMatch(ca, cb, cfg.tolerance)) problems.push(`output ${k} (${mime}) differs:\n${lineDiff(ca, cb)}`);
  }
  return problems;
}

/** A plain-text rendering of one output, for diffs and console reports. */
export function outputText(o: Output): string {
  switch (o.output_type) {
    case 'stream':
      return o.text;
    case 'error':
      return `${o.ename}: ${o.evalue}`;
    default: {
      const d = o.data;
      if (typeof d['text/plain'] === 'string') return d['text/plain'] as string;
      return `<${Object.keys(d).join(', ')}>`;
    }
  }
}
