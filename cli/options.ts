/**
 * Command-line options, read the same way by every command: the parse
 * ({@link parseCommandArgs}), the report of a usage error ({@link usageError})
 * and numbers ({@link numberOption}).
 *
 * A number is written in decimal or scientific notation: "64", "-0.5", ".3",
 * "1e-5", "+2E3". Where an option allows it, "inf" (or "infinity") is
 * Infinity. Everything else is refused, in particular the empty string:
 * `Number("")` is 0, so `--noise "$SIGMA"` with SIGMA unset would otherwise
 * train without privacy. Also refused: "0x10", "1_000", "1,5", "5abc".
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** The option table of a command, as node:util's parseArgs takes it. */
type OptionTable = NonNullable<ParseArgsConfig['options']>;

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const INFINITY = /^\+?inf(inity)?$/i;

/**
 * The number that `text` writes, or null when it is not one. Surrounding
 * spaces are allowed; `infinity` also accepts "inf"/"infinity".
 */
export function numberText(text: string, infinity = false): number | null {
  const t = text.trim();
  if (infinity && INFINITY.test(t)) return Infinity;
  return DECIMAL.test(t) ? Number(t) : null;
}

export interface NumberRules {
  /** Only whole numbers. */
  integer?: boolean;
  /** Smallest accepted value. */
  min?: number;
  /** Accept "inf" as Infinity. */
  infinity?: boolean;
}

function expected(rules: NumberRules): string {
  if (rules.integer) {
    if (rules.min === 0) return 'a non-negative integer';
    if (rules.min === 1) return 'a positive integer';
    return rules.min === undefined ? 'an integer' : `an integer >= ${rules.min}`;
  }
  const kind = rules.infinity ? "a number or 'inf'" : 'a number';
  return rules.min === undefined ? kind : `${kind} >= ${rules.min}`;
}

/**
 * The value of option `--name` (undefined when it was not given). Throws
 * "--name: expected <what the rules allow>, got '<text>'" for text that is
 * not a number or breaks a rule.
 */
export function numberOption(name: string, text: string | undefined, rules: NumberRules = {}): number | undefined {
  if (text === undefined) return undefined;
  const x = numberText(text, rules.infinity);
  if (x === null || (rules.integer && !Number.isInteger(x)) || (rules.min !== undefined && !(x >= rules.min))) {
    throw new Error(`--${name}: expected ${expected(rules)}, got '${text}'`);
  }
  return x;
}

/**
 * The options of a command, parsed the same way by every command: strict
 * (an unknown option is an error) and no positional arguments.
 */
export function parseCommandArgs<const T extends OptionTable>(argv: string[], options: T) {
  return parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>({ args: argv, options, strict: true, allowPositionals: false }).values;
}

/**
 * Reports a usage error the way the commands that exit 2 on one do: the
 * command's name, the message, then `usage` (the help text, or where to find
 * it). Returns the exit code, 2.
 */
export function usageError(command: string, err: unknown, usage: string): number {
  console.error(`sprint-gan ${command}: ${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
  return 2;
}
