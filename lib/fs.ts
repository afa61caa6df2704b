/**
 * File-system helpers shared by data, gan, eval, plots and the notebook runner.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { libDir } from './host';

/**
 * A temporary name next to `target`: `<target>.tmp-<pid>-<random>`, in the
 * same folder so a rename is atomic (lib/generators/acgan/checkpoint's removeStaleTemps
 * recognizes the pattern after a crash).
 */
export function tmpName(target: string): string {
  return `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Whether a file name is one {@link tmpName} makes (`<name>.tmp-<pid>-<random>`). */
export function isTmpName(name: string): boolean {
  return /\.tmp-\d+-[a-z0-9]+$/.test(name);
}

/**
 * Writes `data` to `file` atomically: a temporary file in the same folder,
 * flushed to disk, then renamed over `file`; readers see the old or the new
 * content, never a part. Creates the folder; removes the temporary file if
 * anything fails.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = tmpName(file);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** {@link writeFileAtomic} of `value` as JSON (one-space indent, final newline). */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 1) + '\n');
}

/**
 * The repository root (the folder above lib/), with symlinks resolved:
 * notebooks reach lib through notebooks/lib -> ../lib, and data/ and figures/
 * must still be this checkout's (lib/host.ts finds lib/ under Node and Deno).
 */
export function repoRoot(): string {
  return path.dirname(libDir());
}
