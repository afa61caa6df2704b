/**
 * The Deno this project runs notebooks on: the `deno` npm package (a pinned
 * dev dependency, so `npm ci` is all it needs). Its `bin.cjs` starts the
 * binary as a child of a Node process; we start the binary itself, so that
 * killing a kernel kills Deno and leaves no orphan behind.
 */
import { execFileSync } from 'node:child_process';

let cached: string | null = null;

/**
 * The path of the Deno executable: the package's own installer finds the
 * platform package's binary (@deno/linux-x64-glibc, ...) and links it into
 * node_modules/deno (npm 11 skips the package's postinstall, which would do the same).
 */
export function denoExecutable(): string {
  if (cached) return cached;
  let api: { runInstall(): string };
  try {
    api = require('deno/install_api.cjs') as { runInstall(): string };
  } catch (e) {
    throw new Error(`Deno is not installed (the \`deno\` dev dependency): run \`npm ci\` (${(e as Error).message.split('\n')[0]})`);
  }
  cached = api.runInstall();
  return cached;
}

/** `deno --version`'s first line, e.g. `deno 2.9.6 (stable, release, x86_64-unknown-linux-gnu)`. */
export function denoVersion(): string {
  return execFileSync(denoExecutable(), ['--version'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } }).split('\n')[0];
}
