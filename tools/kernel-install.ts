/**
 * `npm run kernel:install`: makes the project's tslab kernel available to the
 * user's JupyterLab.
 *
 * The committed kernelspec (kernels/tslab/kernel.json) points at the project's
 * own tslab through Jupyter's `{resource_dir}` placeholder, which works when
 * Jupyter finds it via `JUPYTER_PATH=<repo>/kernels/..`. An installed copy
 * lives elsewhere, so it gets absolute paths: this Node binary and this
 * checkout's tslab. With `jupyter` on PATH we use `jupyter kernelspec install
 * --user`; without it we write into Jupyter's user data folder ourselves.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { KERNELSPEC_DIR, REPO_ROOT } from './notebook-runner/kernel';

export const KERNEL_NAME = 'tslab';

/** Jupyter's per-user data folder, as jupyter_core computes it. */
export function jupyterDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  const home = env.HOME ?? os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Jupyter');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'jupyter');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'jupyter');
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

/** Installs the kernelspec; returns where it went and how. */
export function installKernel(env: NodeJS.ProcessEnv = process.env): { dir: string; via: 'jupyter' | 'files' } {
  const spec = JSON.stringify(installedKernelSpec(), null, 1) + '\n';
  if (!env.JUPYTER_DATA_DIR && hasJupyter(env)) {
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'sprint-kernelspec-'));
    const specDir = path.join(staging, KERNEL_NAME);
    fs.mkdirSync(specDir);
    fs.writeFileSync(path.join(specDir, 'kernel.json'), spec);
    try {
      const out = execFileSync('jupyter', ['kernelspec', 'install', '--user', '--name', KERNEL_NAME, specDir], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const m = /in (.+)$/m.exec(out);
      return { dir: m ? m[1].trim() : path.join(jupyterDataDir(env), 'kernels', KERNEL_NAME), via: 'jupyter' };
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }
  const dir = path.join(jupyterDataDir(env), 'kernels', KERNEL_NAME);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'kernel.json');
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, spec);
  fs.renameSync(tmp, file);
  return { dir, via: 'files' };
}

if (require.main === module) {
  try {
    const { dir, via } = installKernel();
    console.log(`Installed the TypeScript (tslab) kernel for JupyterLab in ${dir}${via === 'jupyter' ? ' (jupyter kernelspec install --user)' : ''}.`);
    console.log('Start JupyterLab from this folder (`jupyter lab`) and pick the "TypeScript (sprint-gan-ts)" kernel.');
  } catch (e) {
    console.error(`kernel:install failed: ${(e as Error).message}`);
    process.exit(1);
  }
}
