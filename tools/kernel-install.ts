/**
 * `npm run kernel:install [-- --deno]`: makes the project's tslab kernel (or,
 * with `--deno`, its Deno kernel) available to the user's JupyterLab.
 *
 * The committed kernelspecs (kernels/tslab/kernel.json, kernels/deno/kernel.json)
 * point at the project's own tslab and Deno through Jupyter's `{resource_dir}`
 * placeholder, which works when Jupyter finds them via
 * `JUPYTER_PATH=<repo>/kernels/..`. An installed copy lives elsewhere, so it
 * gets absolute paths: this Node binary and this checkout's tslab, or this
 * checkout's Deno binary (from the `deno` npm package). With `jupyter` on PATH
 * we use `jupyter kernelspec install --user`; without it we write into
 * Jupyter's user data folder ourselves. The installed kernels are named
 * `tslab` and `deno-sprint-gan` (Deno's own `deno jupyter --install` uses `deno`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { KERNELSPEC_DIR, REPO_ROOT, kernelSpecDir, type KernelName } from './notebook-runner/kernel';
import { denoExecutable } from './notebook-runner/deno';

export const KERNEL_NAME = 'tslab';
/** The installed name of the Deno kernelspec (not `deno`, which Deno's own installer takes). */
export const DENO_KERNEL_NAME = 'deno-sprint-gan';

/** The name a kernel is installed under. */
export function installedName(kernel: KernelName): string {
  return kernel === 'deno' ? DENO_KERNEL_NAME : KERNEL_NAME;
}

/** Jupyter's per-user data folder, as jupyter_core computes it. */
export function jupyterDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  const home = env.HOME ?? os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Jupyter');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'jupyter');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'jupyter');
}

/**
 * The Deno kernelspec with absolute paths: the Deno binary itself (not the
 * npm package's launcher), so Jupyter's interrupts and kills reach Deno.
 */
export function installedDenoKernelSpec(deno = denoExecutable()): Record<string, unknown> {
  const committed = JSON.parse(fs.readFileSync(path.join(kernelSpecDir('deno'), 'kernel.json'), 'utf8')) as { argv: string[] };
  const launcher = committed.argv.findIndex((a) => a.endsWith('/node_modules/deno/bin.cjs'));
  if (launcher !== 1) throw new Error('kernels/deno/kernel.json: expected ["node", "{resource_dir}/../../node_modules/deno/bin.cjs", ...]');
  return { ...committed, argv: [deno, ...committed.argv.slice(2)] };
}

/** The kernelspec with absolute paths, for installing outside the repository. */
export function installedKernelSpec(nodePath = process.execPath, repoRoot = REPO_ROOT): Record<string, unknown> {
  const committed = JSON.parse(fs.readFileSync(path.join(KERNELSPEC_DIR, 'kernel.json'), 'utf8')) as { argv: string[] };
  const tslab = path.join(repoRoot, 'node_modules', 'tslab', 'bin', 'tslab');
  if (!fs.existsSync(tslab)) throw new Error(`tslab is not installed at ${tslab}; run \`npm ci\` first`);
  return {
    ...committed,
    argv: committed.argv.map((a, i) => (i === 0 && a === 'node' ? nodePath : a.replace('{resource_dir}/../../node_modules/tslab/bin/tslab', tslab))),
  };
}

function hasJupyter(env: NodeJS.ProcessEnv): boolean {
  try {
    execFileSync('jupyter', ['--version'], { stdio: 'ignore', env });
    return true;
  } catch {
    return false;
  }
}

/** Installs the kernelspec of `kernel` (default tslab); returns where it went and how. */
export function installKernel(env: NodeJS.ProcessEnv = process.env, kernel: KernelName = 'tslab'): { dir: string; via: 'jupyter' | 'files' } {
  const spec = JSON.stringify(kernel === 'deno' ? installedDenoKernelSpec() : installedKernelSpec(), null, 1) + '\n';
  const name = installedName(kernel);
  if (!env.JUPYTER_DATA_DIR && hasJupyter(env)) {
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'sprint-kernelspec-'));
    const specDir = path.join(staging, name);
    fs.mkdirSync(specDir);
    fs.writeFileSync(path.join(specDir, 'kernel.json'), spec);
    try {
      const out = execFileSync('jupyter', ['kernelspec', 'install', '--user', '--name', name, specDir], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const m = /in (.+)$/m.exec(out);
      return { dir: m ? m[1].trim() : path.join(jupyterDataDir(env), 'kernels', name), via: 'jupyter' };
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }
  const dir = path.join(jupyterDataDir(env), 'kernels', name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'kernel.json');
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, spec);
  fs.renameSync(tmp, file);
  return { dir, via: 'files' };
}

if (require.main === module) {
  try {
    const args = process.argv.slice(2);
    const unknown = args.filter((a) => a !== '--deno');
    if (unknown.length) throw new Error(`unknown option ${unknown.join(' ')} (usage: npm run kernel:install [-- --deno])`);
    const kernel: KernelName = args.includes('--deno') ? 'deno' : 'tslab';
    const { dir, via } = installKernel(process.env, kernel);
    const what = kernel === 'deno' ? "Deno's Jupyter kernel (this checkout's Deno)" : 'the TypeScript (tslab) kernel';
    const display = JSON.parse(fs.readFileSync(path.join(dir, 'kernel.json'), 'utf8')).display_name;
    console.log(`Installed ${what} for JupyterLab in ${dir}${via === 'jupyter' ? ' (jupyter kernelspec install --user)' : ''}.`);
    console.log(`Start JupyterLab from this folder (\`jupyter lab\`) and pick the "${display}" kernel.`);
  } catch (e) {
    console.error(`kernel:install failed: ${(e as Error).message}`);
    process.exit(1);
  }
}
