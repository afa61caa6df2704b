import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { installKernel, installedKernelSpec, jupyterDataDir } from '../../tools/kernel-install';
import { kernelArgv, REPO_ROOT } from '../../tools/notebook-runner/kernel';

describe('kernel installation', () => {
  it('finds Jupyter user data dirs as jupyter_core does', () => {
    expect(jupyterDataDir({ JUPYTER_DATA_DIR: '/x' }, 'linux')).toBe('/x');
    expect(jupyterDataDir({ HOME: '/h' }, 'linux')).toBe('/h/.local/share/jupyter');
    expect(jupyterDataDir({ HOME: '/h', XDG_DATA_HOME: '/d' }, 'linux')).toBe('/d/jupyter');
    expect(jupyterDataDir({ HOME: '/h' }, 'darwin')).toBe('/h/Library/Jupyter');
  });

  it('the committed kernelspec resolves to the project tslab through {resource_dir}', () => {
    const argv = kernelArgv('/tmp/conn.json');
    expect(argv[0]).toBe('node');
    expect(fs.realpathSync(argv[1])).toBe(fs.realpathSync(path.join(REPO_ROOT, 'node_modules/tslab/bin/tslab')));
    expect(argv.slice(2)).toEqual(['kernel', '--config-path', '/tmp/conn.json']);
  });

  it('installs a kernelspec with absolute paths into the user data dir without Python', () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'jdata-'));
    const { dir, via } = installKernel({ ...process.env, JUPYTER_DATA_DIR: data });
    expect(via).toBe('files');
    expect(dir).toBe(path.join(data, 'kernels', 'tslab'));
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'kernel.json'), 'utf8'));
    expect(spec).toEqual(installedKernelSpec());
    expect(spec.argv[0]).toBe(process.execPath);
    expect(fs.existsSync(spec.argv[1])).toBe(true);
    // The installed tslab really is runnable.
    expect(execFileSync(spec.argv[0], [spec.argv[1], '--version'], { encoding: 'utf8' })).toMatch(/\d+\.\d+\.\d+/);
    fs.rmSync(data, { recursive: true, force: true });
  });
});
