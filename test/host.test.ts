/**
 * lib/host.ts: lib/'s own folder, files under it and npm packages, under Node
 * (here, vitest) and under Deno (the npm-installed Deno runs a script that
 * imports lib/host.ts as a native ES module, where `require` and
 * `__filename` do not exist). Also: no other module of lib/ uses `require`,
 * `__dirname` or `__filename` (they would fail under Deno).
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import * as ts from 'typescript';
import { fileFromStack, libDir, libFile, loadPackage, resolvePackage, runtime } from '../lib/host';
import { repoRoot } from '../lib/fs';
import { denoExecutable } from '../tools/notebook-runner/deno';

const REPO = path.resolve(__dirname, '..');
const LIB = path.join(REPO, 'lib');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lib-host-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('lib/host under Node', () => {
  it('names the runtime and finds lib/ (symlinks resolved) and files in it', () => {
    expect(runtime()).toBe('node');
    expect(libDir()).toBe(fs.realpathSync(LIB));
    expect(libFile('compute', 'simd', 'kernels.wasm')).toBe(path.join(fs.realpathSync(LIB), 'compute', 'simd', 'kernels.wasm'));
    expect(fs.existsSync(libFile('compute', 'simd', 'kernels.wasm'))).toBe(true);
    expect(repoRoot()).toBe(fs.realpathSync(REPO));
  });

  it('loads packages as require does (the same module object) and resolves their files', () => {
    expect(loadPackage('upng-js')).toBe(require('upng-js'));
    expect(resolvePackage('plotly.js-dist-min/plotly.min.js')).toBe(require.resolve('plotly.js-dist-min/plotly.min.js'));
    expect(() => loadPackage('no-such-package-sprint')).toThrow(/no-such-package-sprint/);
  });

  it('reads a module file from the first file:// frame of a stack trace (what Deno writes)', () => {
    const deno = 'Error\n    at ownFile (file:///work/a%20b/lib/host.ts:47:16)\n    at libDir (file:///work/x/lib/host.ts:56:3)';
    expect(fileFromStack(deno)).toBe('/work/a b/lib/host.ts');
    expect(fileFromStack('Error\n    at file:///srv/lib/host.ts:10:2')).toBe('/srv/lib/host.ts');
    // Node's CommonJS frames are plain paths: nothing to read (Node has __filename).
    expect(fileFromStack('Error\n    at ownFile (/work/lib/host.ts:47:16)')).toBeNull();
  });
});

/** Runs `source` (TypeScript) with the npm-installed Deno from the repository root; returns stdout. */
function runDeno(source: string): string {
  const file = path.join(tmp, `script-${Math.random().toString(36).slice(2)}.ts`);
  fs.writeFileSync(file, source);
  return execFileSync(denoExecutable(), ['run', '--allow-all', '--quiet', file], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
  });
}

describe('lib/host under Deno', () => {
  it('finds the same lib/ folder and the same package files, and loads packages', () => {
    const host = pathToFileURL(path.join(LIB, 'host.ts')).href;
    const out = runDeno(
      `import * as host from ${JSON.stringify(host)};\n` +
        `console.log(JSON.stringify({ runtime: host.runtime(), lib: host.libDir(), wasm: host.libFile('compute', 'simd', 'kernels.wasm'),` +
        ` plotly: host.resolvePackage('plotly.js-dist-min/plotly.min.js'), upng: typeof host.loadPackage('upng-js').decode }));\n`,
    );
    expect(JSON.parse(out)).toEqual({
      runtime: 'deno',
      lib: libDir(),
      wasm: libFile('compute', 'simd', 'kernels.wasm'),
      plotly: require.resolve('plotly.js-dist-min/plotly.min.js'),
      upng: 'function',
    });
  }, 60_000);
});

describe("lib/ has no bare require, __dirname or __filename (Deno's ES modules have none)", () => {
  /** Identifiers in code (not strings or comments) of every lib/ module but host.ts. */
  function uses(file: string): string[] {
    const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const found: string[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isIdentifier(n) && ['require', '__dirname', '__filename'].includes(n.text)) {
        const { line } = src.getLineAndCharacterOfPosition(n.getStart());
        found.push(`${path.relative(REPO, file)}:${line + 1} ${n.text}`);
      }
      ts.forEachChild(n, visit);
    };
    visit(src);
    return found;
  }
  const modules = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? modules(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));

  it('the check sees an identifier in code and not one in a string', () => {
    const file = path.join(tmp, 'probe.ts');
    fs.writeFileSync(file, "const a = require('x');\nconst b = \"require('y') __dirname\";\n");
    expect(uses(file)).toEqual([`${path.relative(REPO, file)}:1 require`]);
  });

  it('only lib/host.ts uses them', () => {
    const all = modules(LIB).filter((f) => f !== path.join(LIB, 'host.ts'));
    expect(all.length).toBeGreaterThan(50);
    expect(all.flatMap(uses)).toEqual([]);
  });
});
