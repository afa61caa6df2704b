/**
 * The runner's committed configuration, `runner.config.json`, looked up from
 * the notebook's folder upwards to the repository root:
 *
 * ```json
 * {
 *   "sanitizers": [{ "regex": "\\d+(\\.\\d+)? ?(ms|s)\\b", "replace": "<duration>" }],
 *   "tolerance": { "relative": 1e-6, "absolute": 1e-12 },
 *   "timeout": 900,
 *   "profiles": { "smoke": { "epochs": 5 }, "paper": { "epochs": 500 } }
 * }
 * ```
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CONFIG, type CompareConfig } from './compare';
import { REPO_ROOT } from './kernel';

export const CONFIG_FILE = 'runner.config.json';

export interface RunnerConfig extends CompareConfig {
  /** Default per-cell timeout, seconds. */
  timeout: number;
  /** Named parameter sets for `--profile`. */
  profiles: Record<string, Record<string, unknown>>;
  /** The file it came from, if any. */
  file?: string;
}

export class ConfigError extends Error {}

export function parseConfig(text: string, file = CONFIG_FILE): RunnerConfig {
  let raw: Partial<RunnerConfig>;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const sanitizers = raw.sanitizers ?? [];
  if (!Array.isArray(sanitizers)) throw new ConfigError(`${file}: "sanitizers" must be a list`);
  sanitizers.forEach((s, i) => {
    try {
      new RegExp(s.regex, 'g' + (s.flags ?? ''));
    } catch (e) {
      throw new ConfigError(`${file}: sanitizers[${i}].regex is not a valid regular expression: ${(e as Error).message}`);
    }
    if (typeof s.replace !== 'string') throw new ConfigError(`${file}: sanitizers[${i}].replace must be a string`);
  });
  const timeout = raw.timeout ?? 900;
  if (!(typeof timeout === 'number' && timeout > 0)) throw new ConfigError(`${file}: "timeout" must be a positive number of seconds`);
  return {
    sanitizers,
    tolerance: { ...DEFAULT_CONFIG.tolerance, ...(raw.tolerance ?? {}) },
    timeout,
    profiles: raw.profiles ?? {},
    file,
  };
}

export function loadConfig(notebookDir: string, stopAt = REPO_ROOT): RunnerConfig {
  let dir = path.resolve(notebookDir);
  for (;;) {
    const file = path.join(dir, CONFIG_FILE);
    if (fs.existsSync(file)) return parseConfig(fs.readFileSync(file, 'utf8'), file);
    const parent = path.dirname(dir);
    if (dir === path.resolve(stopAt) || parent === dir) return { ...DEFAULT_CONFIG, timeout: 900, profiles: {} };
    dir = parent;
  }
}
