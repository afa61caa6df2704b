/**
 * TensorFlow.js backend selection: which backend runs the tensors, loaded
 * and initialized at run time, and the choice printed.
 *
 * Order, best first: `tfjs-node-gpu` (libtensorflow with CUDA) -> `tfjs-node`
 * (libtensorflow, CPU) -> `webgpu` (training only, hardware adapters only; see
 * below) -> `wasm` (XNNPACK, SIMD; single-threaded in Node) -> `cpu` (plain
 * JavaScript). The native packages are optional: they are not dependencies of
 * this project (their install script downloads libtensorflow, which fails
 * offline). To use them, `npm install @tensorflow/tfjs-node@4.22.0` (or
 * `-gpu`, which needs CUDA 11.2 + cuDNN 8.1 on Linux). A package that is
 * missing or fails to load is skipped.
 *
 * WebGPU: `@tensorflow/tfjs-backend-webgpu` on Dawn through the `webgpu` npm
 * package (a prebuilt Node addon; on Linux it drives any Vulkan driver).
 * - The device is created with the adapter's own limits. Dawn's default of 8
 *   storage buffers per shader stage is too few for tfjs's addN with more than
 *   7 inputs, and tfjs then returns WRONG numbers without an error.
 * - It cannot read a tensor synchronously in Node (tfjs's sync path needs
 *   OffscreenCanvas). Training never reads synchronously (a step's statistics
 *   stay on the backend and are read with `await data()`), but sampling and
 *   scoring do: {@link readSync} refuses with a clear message there. So webgpu
 *   is in the automatic order only for `selectBackend({ training: true })`
 *   (`sprint-gan train`, 02_train), and only for a hardware adapter: a
 *   software one (Mesa's lavapipe, what CI tests on) is slower than wasm and is
 *   used only when asked for by name (`SPRINT_BACKEND=webgpu`).
 *
 * Beware: danfojs-node pulls `@tensorflow/tfjs-node`, which this project
 * overrides to the pure-JS `@tensorflow/tfjs`, so loading `@tensorflow/tfjs-node`
 * may succeed without any native code. A native package counts as available
 * only when, after loading it, a backend named `tensorflow` is registered.
 *
 * Override the order with `SPRINT_BACKEND=wasm` (or `cpu`, `tensorflow`, ...)
 * or the `backend` option.
 *
 * The kernels the stock backends lack or run slowly are ./kernels.ts; they are
 * registered here when a CPU backend (wasm, cpu) is chosen.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { loadPackage } from '../host';
import { registerExtraKernels, restoreStockKernels } from './kernels';

export type BackendChoice = 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** The tfjs backend name now active (`tensorflow`, `wasm`, `cpu`, ...). */
  name: string;
  /** Which package provided it (for `tensorflow`: node or node-gpu). */
  provider: string;
  /** Backends tried and why they were skipped. */
  skipped: { name: string; reason: string }[];
}

export interface SelectBackendOptions {
  /** Force one backend; default `process.env.SPRINT_BACKEND`, else the best available. */
  backend?: string;
  /** Where to print the choice; default console.log. Pass `null` to stay quiet. */
  log?: ((line: string) => void) | null;
  /** Replace cpu's slow Conv2DBackpropFilter with the dilated-conv one (default true). */
  fastCpuKernels?: boolean;
  /**
   * The caller only trains (never reads tensors synchronously), so a hardware
   * WebGPU adapter may be chosen automatically. Default false.
   */
  training?: boolean;
}

/** Order tried when nothing is forced (webgpu only with `training: true`). */
export const BACKEND_ORDER: readonly BackendChoice[] = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

/** What {@link loadWebGpu} found. */
export interface WebGpuAdapter {
  /** e.g. "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)" or the GPU's name. */
  description: string;
  vendor: string;
  /** A software (CPU) implementation such as lavapipe. */
  software: boolean;
  maxStorageBuffersPerShaderStage: number;
}

let webGpuAdapter: WebGpuAdapter | null = null;

/**
 * Loads Dawn (`webgpu` package) and `@tensorflow/tfjs-backend-webgpu`, finds an
 * adapter and registers the `webgpu` backend on a device created with the
 * adapter's limits (see the module comment). Throws with the reason when there
 * is no package or no adapter.
 */
export async function loadWebGpu(): Promise<WebGpuAdapter> {
  if (webGpuAdapter) return webGpuAdapter;
  const dawn = loadPackage('webgpu') as { create(flags: string[]): GpuLike; globals: Record<string, unknown> };
  // The WebGPU constants (GPUBufferUsage, ...) tfjs uses are globals in a browser.
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  const gpu = dawn.create([]);
  // tfjs checks `navigator.gpu` (Node 20 has no navigator; Node 21+ one without gpu).
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (!g.navigator) g.navigator = { gpu };
  else if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new Error('no WebGPU adapter (Dawn found no Vulkan driver: install a GPU driver, or for a software one Mesa >= 25, e.g. mesa-vulkan-drivers from bookworm-backports)');
  }
  const L = adapter.limits;
  const limit = (name: string) => L[name] as number;
  const device = await adapter.requestDevice({
    requiredLimits: Object.fromEntries(
      [
        'maxStorageBuffersPerShaderStage',
        'maxComputeWorkgroupStorageSize',
        'maxComputeWorkgroupsPerDimension',
        'maxStorageBufferBindingSize',
        'maxBufferSize',
        'maxComputeWorkgroupSizeX',
        'maxComputeInvocationsPerWorkgroup',
      ].map((n) => [n, limit(n)]),
    ),
  });
  const info = adapter.info;
  const { WebGPUBackend } = loadPackage('@tensorflow/tfjs-backend-webgpu') as { WebGPUBackend: new (device: unknown, info: unknown) => tf.KernelBackend };
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, info), 0);
  webGpuAdapter = {
    description: info.description || info.device || 'unknown adapter',
    vendor: info.vendor,
    software: Boolean(info.isFallbackAdapter) || info.architecture === 'software' || /llvmpipe|lavapipe|swiftshader/i.test(info.description ?? ''),
    maxStorageBuffersPerShaderStage: device.limits.maxStorageBuffersPerShaderStage as number,
  };
  return webGpuAdapter;
}

/**
 * Whether a GPU may be present. On Linux a GPU driver exposes /dev/dri/renderD*
 * or /dev/nvidia*; without one Dawn could only find a software adapter, so we
 * do not load it (it prints warnings on load). Elsewhere, let Dawn look.
 */
function mayHaveGpu(): boolean {
  if (process.platform !== 'linux') return true;
  const list = (dir: string) => {
    try {
      return fs.readdirSync(dir);
    } catch {
      return [];
    }
  };
  return list('/dev/dri').some((f) => f.startsWith('renderD')) || list('/dev').some((f) => /^nvidia\d/.test(f));
}

interface GpuLike {
  requestAdapter(opts?: object): Promise<{
    limits: Record<string, unknown>;
    info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
    requestDevice(desc: object): Promise<{ limits: Record<string, unknown> }>;
  } | null>;
}

/**
 * Reads a tensor synchronously (sampling, scoring). The webgpu backend cannot
 * in Node: say so, and what to do, instead of tfjs's "OffscreenCanvas is not defined".
 */
export function readSync(t: tf.Tensor, what: string): Float32Array {
  if (tf.getBackend() === 'webgpu') {
    throw new Error(
      `${what} reads results synchronously, which the webgpu backend cannot do in Node. ` +
        `WebGPU is for training; switch first with \`await selectBackend()\` (wasm or a native backend).`,
    );
  }
  return t.dataSync() as Float32Array;
}

function tryRequire(id: string): string | null {
  try {
    loadPackage(id);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}

function hasBackend(name: string): boolean {
  return tf.findBackendFactory(name) != null;
}

let wasmLoaded = false;
/** Loads @tensorflow/tfjs-backend-wasm (registers the `wasm` backend) and our extra kernels. */
export function loadWasm(): void {
  if (!wasmLoaded) {
    loadPackage('@tensorflow/tfjs-backend-wasm');
    wasmLoaded = true;
  }
  registerExtraKernels('wasm');
}

/**
 * tfjs-backend-cpu prints "Hi, looks like you are running TensorFlow.js in
 * Node.js. To speed things up dramatically, install our node backend..." on
 * the first tensor it stores (`MathBackendCPU.write`, when the IS_NODE flag is
 * set, through `backend_util.warn`), once per backend instance, guarded by the
 * instance's `firstUse` field. We choose the backend ourselves and print the
 * choice (native packages first when installed), so that advice is noise in
 * every CLI run, notebook and test log. Marks the notice as given on `backend`
 * (default: the registered cpu backend's instance). tfjs's global switch (`tf.enableProdMode()`, the PROD
 * flag) would also silence its other warnings, e.g. why a backend failed to
 * initialize, so it is not used. test/compute/backend.test.ts fails if a
 * tfjs release moves the notice.
 */
export function silenceCpuBackendNotice(backend: tf.KernelBackend | null = tf.findBackend('cpu')): void {
  const cpu = backend as unknown as { firstUse?: boolean } | null;
  if (cpu && cpu.firstUse === true) cpu.firstUse = false;
}

async function activate(name: string): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/**
 * Chooses, initializes and prints the backend. Safe to call repeatedly
 * (switches backend when asked for a different one).
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendInfo> {
  const log = options.log === undefined ? (l: string) => console.log(l) : options.log;
  const forced = (options.backend ?? process.env.SPRINT_BACKEND ?? '').trim().toLowerCase();
  const skipped: { name: string; reason: string }[] = [];
  const candidates: BackendChoice[] = forced
    ? [normalizeChoice(forced)]
    : [...BACKEND_ORDER];
  for (const choice of candidates) {
    let provider = '';
    if (choice === 'tensorflow-gpu' || choice === 'tensorflow') {
      const pkg = choice === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      const already = hasBackend('tensorflow');
      const err = already ? null : tryRequire(pkg);
      if (err) {
        skipped.push({ name: choice, reason: `${pkg} not loadable: ${err}` });
        continue;
      }
      if (!hasBackend('tensorflow')) {
        skipped.push({ name: choice, reason: `${pkg} loaded but registered no native 'tensorflow' backend (pure-JS alias?)` });
        continue;
      }
      provider = already ? 'tensorflow (already loaded)' : pkg;
      if (!(await activate('tensorflow'))) {
        skipped.push({ name: choice, reason: 'tensorflow backend failed to initialize' });
        continue;
      }
    } else if (choice === 'webgpu') {
      if (!forced && !options.training) continue; // sampling and scoring read synchronously
      if (!forced && !mayHaveGpu()) {
        skipped.push({ name: choice, reason: 'no GPU device node (/dev/dri/renderD*, /dev/nvidia*)' });
        continue;
      }
      let adapter: WebGpuAdapter;
      try {
        adapter = await loadWebGpu();
      } catch (err) {
        skipped.push({ name: choice, reason: err instanceof Error ? err.message.split('\n')[0] : String(err) });
        continue;
      }
      if (!forced && adapter.software) {
        skipped.push({ name: choice, reason: `software adapter (${adapter.description}) is slower than wasm; force it with SPRINT_BACKEND=webgpu` });
        continue;
      }
      provider = `@tensorflow/tfjs-backend-webgpu on ${adapter.description}`;
      if (!(await activate('webgpu'))) {
        skipped.push({ name: choice, reason: 'webgpu backend failed to initialize' });
        continue;
      }
    } else if (choice === 'wasm') {
      const err = tryRequire('@tensorflow/tfjs-backend-wasm');
      if (err) {
        skipped.push({ name: choice, reason: `@tensorflow/tfjs-backend-wasm not loadable: ${err}` });
        continue;
      }
      loadWasm();
      provider = '@tensorflow/tfjs-backend-wasm';
      if (!(await activate('wasm'))) {
        skipped.push({ name: choice, reason: 'wasm backend failed to initialize' });
        continue;
      }
    } else {
      if (options.fastCpuKernels !== false) registerExtraKernels('cpu');
      else restoreStockKernels('cpu');
      provider = '@tensorflow/tfjs-backend-cpu';
      if (!(await activate('cpu'))) {
        skipped.push({ name: choice, reason: 'cpu backend failed to initialize' });
        continue;
      }
      silenceCpuBackendNotice();
    }
    const info: BackendInfo = { name: tf.getBackend(), provider, skipped };
    if (log) log(`TensorFlow.js backend: ${info.name} (${provider})`);
    return info;
  }
  const why = skipped.map((s) => `  ${s.name}: ${s.reason}`).join('\n');
  throw new Error(
    `No usable TensorFlow.js backend${forced ? ` for SPRINT_BACKEND/--backend '${forced}'` : ''}:\n${why}\n` +
      `Use one of: ${BACKEND_ORDER.join(', ')}.`,
  );
}

function normalizeChoice(name: string): BackendChoice {
  switch (name) {
    case 'tensorflow-gpu':
    case 'node-gpu':
    case 'gpu':
      return 'tensorflow-gpu';
    case 'tensorflow':
    case 'node':
    case 'native':
      return 'tensorflow';
    case 'webgpu':
      return 'webgpu';
    case 'wasm':
      return 'wasm';
    case 'cpu':
      return 'cpu';
    default:
      throw new Error(`Unknown backend '${name}' (SPRINT_BACKEND or --backend): use one of ${BACKEND_ORDER.join(', ')}.`);
  }
}
