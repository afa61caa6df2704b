/**
 * Where lib/ runs, and the two things that differ between its hosts: finding
 * files that ship beside the code, and loading npm packages on demand.
 *
 * lib/ runs under Node as CommonJS (tslab compiles it with TypeScript 5.0 to
 * CommonJS; tsx and vitest give modules `require` and `__filename`) and under
 * Deno as native ES modules, where neither exists. `import.meta` would name the
 * module under Deno, but tslab refuses it (TS 5.0 emitting CommonJS), so this
 * module finds its own file once, in the only way both accept:
 *
 * - Node: `__filename` (a module-scope variable of every CommonJS module);
 * - Deno: the `file://` URL of this module, which V8 writes into the first
 *   frame of a stack trace made here (Deno keeps module URLs in stack frames).
 *
 * Everything else is derived from that: {@link libFile} resolves files under
 * lib/ (wasm kernels, worker entries), {@link loadPackage} and
 * {@link resolvePackage} use Node's `require` under Node and one made by
 * `createRequire` for this file under Deno (Deno's Node compatibility
 * implements it, with the same node_modules lookup and module cache that its
 * own `import` of npm packages uses). Optional packages (playwright-core,
 * danfojs-node, the native TensorFlow bindings) are loaded here so that a
 * missing one fails where it is used, not at import time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The runtime running lib/: Node (with tslab, tsx or vitest) or Deno. */
export type Runtime = 'node' | 'deno';

export function runtime(): Runtime {
  return typeof (globalThis as { Deno?: { version?: unknown } }).Deno?.version === 'object' ? 'deno' : 'node';
}

/**
 * The file of a stack trace's first `file://` frame, as a path (null when no
 * frame has one). Under Deno, a trace made in this module starts with its own URL.
 */
export function fileFromStack(stack: string): string | null {
  const m = /file:\/\/[^\s()]+?(?=:\d+:\d+)/.exec(stack);
  return m ? fileURLToPath(m[0]) : null;
}

function ownFile(): string {
  if (typeof __filename === 'string') return __filename;
  const file = fileFromStack(new Error().stack ?? '');
  if (!file) throw new Error('lib/host.ts: cannot find its own file (no __filename, no file:// URL in a stack trace); run lib/ under Node or Deno');
  return file;
}

let libDirCache: string | null = null;

/** lib/'s folder, symlinks resolved (notebooks reach it through notebooks/lib -> ../lib). */
export function libDir(): string {
  libDirCache ??= fs.realpathSync(path.dirname(ownFile()));
  return libDirCache;
}

/** A file under lib/: `libFile('compute', 'simd', 'kernels.wasm')`. */
export function libFile(...parts: string[]): string {
  return path.join(libDir(), ...parts);
}

let requireCache: NodeRequire | null = null;

/** Node's `require` as seen from lib/ (resolves packages from the repository's node_modules). */
export function nodeRequire(): NodeRequire {
  requireCache ??= typeof require === 'function' ? require : createRequire(libFile('host.ts'));
  return requireCache;
}

/** Loads an npm package (or Node built-in) by name, synchronously; throws the runtime's error when it is missing. */
export function loadPackage<T = unknown>(id: string): T {
  return nodeRequire()(id) as T;
}

/** The file a package specifier resolves to (`require.resolve`). */
export function resolvePackage(id: string): string {
  return nodeRequire().resolve(id);
}
