/**
 * Notebook parameters, the papermill way.
 *
 * The code cell tagged `parameters` holds the defaults as top-level `let`
 * declarations (`let epochs = 3;`). The runner inserts a cell tagged
 * `injected-parameters` right after it that reassigns the overridden ones
 * (`epochs = 500;`), so tslab type-checks the override against the default's
 * type, and records what it injected in the notebook metadata.
 */
import type { CodeCell, Notebook } from './notebook';
import { makeCellId, tagsOf } from './notebook';

export const PARAMETERS_TAG = 'parameters';
export const INJECTED_TAG = 'injected-parameters';

export class ParameterError extends Error {}

export interface Declaration {
  name: string;
  kind: 'let' | 'var' | 'const';
}

/** Top-level declarations of a parameters cell, one per statement. */
export function declaredParameters(source: string): Declaration[] {
  const out: Declaration[] = [];
  const re = /^(let|var|const)\s+([A-Za-z_$][\w$]*)/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(source))) out.push({ kind: m[1] as Declaration['kind'], name: m[2] });
  return out;
}

/** Parses `--param key=value`: the value is JSON when it parses as JSON, otherwise a string. */
export function parseParam(arg: string): [string, unknown] {
  const at = arg.indexOf('=');
  if (at <= 0) throw new ParameterError(`--param expects key=value, got '${arg}'`);
  const key = arg.slice(0, at).trim();
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) throw new ParameterError(`--param '${key}' is not a valid parameter name`);
  const raw = arg.slice(at + 1);
  try {
    return [key, JSON.parse(raw)];
  } catch {
    return [key, raw];
  }
}

export function parametersCellIndex(nb: Notebook): number {
  return nb.cells.findIndex((c) => c.cell_type === 'code' && tagsOf(c).includes(PARAMETERS_TAG));
}

export interface Injection {
  /** Where the values came from, e.g. `profile smoke, --param epochs=3`. */
  origin: string;
  values: Record<string, unknown>;
}

/**
 * Returns a copy of the notebook with the overrides injected after the
 * parameters cell (replacing an earlier injected cell). Only parameters the
 * cell declares are injected; `strict` names must all be declared.
 */
export function injectParameters(nb: Notebook, overrides: Record<string, unknown>, origin: string, strict: string[] = []): { notebook: Notebook; injected: Record<string, unknown> } {
  const cells = nb.cells.filter((c) => !tagsOf(c).includes(INJECTED_TAG));
  const copy: Notebook = { ...nb, metadata: { ...nb.metadata }, cells };
  delete copy.metadata.sprint_runner;
  const at = parametersCellIndex(copy);
  const declared = at >= 0 ? declaredParameters(cells[at].source) : [];
  const injected: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(overrides)) {
    const decl = declared.find((d) => d.name === name);
    if (!decl) {
      if (strict.includes(name)) {
        throw new ParameterError(
          at < 0
            ? `cannot set '${name}': the notebook has no cell tagged '${PARAMETERS_TAG}'`
            : `cannot set '${name}': the '${PARAMETERS_TAG}' cell declares ${declared.map((d) => d.name).join(', ') || 'nothing'}`,
        );
      }
      continue;
    }
    if (decl.kind === 'const') throw new ParameterError(`cannot set '${name}': it is declared with const; declare parameters with let`);
    injected[name] = value;
  }
  if (Object.keys(injected).length === 0) return { notebook: copy, injected };
  const source = [
    `// Parameters injected by the notebook runner (${origin}).`,
    ...Object.entries(injected).map(([k, v]) => `${k} = ${JSON.stringify(v)};`),
    // tslab shows the value of a cell's last expression; the last assignment's value is noise.
    'void 0;',
  ].join('\n');
  const cell: CodeCell = {
    cell_type: 'code',
    id: makeCellId(`${cells[at].id}-injected`, at),
    source,
    metadata: { tags: [INJECTED_TAG] },
    outputs: [],
    execution_count: null,
  };
  copy.cells = [...cells.slice(0, at + 1), cell, ...cells.slice(at + 1)];
  copy.metadata.sprint_runner = { injected_parameters: injected, origin };
  return { notebook: copy, injected };
}
