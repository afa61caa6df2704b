/**
 * TensorFlow.js backend selection for GAN training, and the kernels the stock
 * backends lack or run slowly.
 *
 * Order, best first: `tfjs-node-gpu` (libtensorflow with CUDA) -> `tfjs-node`
 * (libtensorflow, CPU) -> `wasm` (XNNPACK, SIMD; single-threaded in Node) ->
 * `cpu` (plain JavaScript). The native packages are optional: they are not
 * dependencies of this project (their install script downloads libtensorflow,
 * which fails offline). To use them, `npm install @tensorflow/tfjs-node@4.22.0`
 * (or `-gpu`, which needs CUDA 11.2 + cuDNN 8.1 on Linux). A package that is
 * missing or fails to load is skipped.
 *
 * Beware: danfojs-node pulls `@tensorflow/tfjs-node`, which this project
 * overrides to the pure-JS `@tensorflow/tfjs`, so `require('@tensorflow/tfjs-node')`
 * may succeed without any native code. A native package counts as available
 * only when, after loading it, a backend named `tensorflow` is registered.
 *
 * Override the order with `SPRINT_BACKEND=wasm` (or `cpu`, `tensorflow`, ...)
 * or the `backend` option.
 *
 * Kernels registered here (pure compositions of existing kernels, so every
 * backend computes the same function):
 * - `Conv2DBackpropFilter` (gradient of a Conv2D's filter; missing on wasm,
 *   very slow on cpu): one dilated Conv2D. For y = conv(x, W, stride s),
 *   dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, oh*s+kh-pt, ow*s+kw-pl, ci] dy[b,oh,ow,co],
 *   which is conv(x', dy', stride 1, dilation s) with the batch moved to the
 *   channel axis: x' = x^T [ci,h,w,b], dy' = [oh,ow,b,co].
 * - `Conv2DBackpropInput` for stride 1 (stock wasm one is slow): a Conv2D of
 *   dy with the spatially flipped filter, in/out channels swapped, padding
 *   k-1-p.
 * - `UnsortedSegmentSum` (gradient of gather, i.e. of the Embedding; missing on
 *   wasm): a one-hot matrix product.
 */
import * as tf from '@tensorflow/tfjs';

export type BackendChoice = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

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
}

/** Order tried when nothing is forced. */
export const BACKEND_ORDER: readonly BackendChoice[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

function tryRequire(id: string): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require(id);
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
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require('@tensorflow/tfjs-backend-wasm');
    wasmLoaded = true;
  }
  registerExtraKernels('wasm');
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
    case 'wasm':
      return 'wasm';
    case 'cpu':
      return 'cpu';
    default:
      throw new Error(`Unknown backend '${name}' (SPRINT_BACKEND or --backend): use one of ${BACKEND_ORDER.join(', ')}.`);
  }
}

// ---------------------------------------------------------------------------
// Extra kernels, written against other kernels of the same backend.

type TensorInfo = tf.TensorInfo;
// The kernel API types in tfjs-core are loose; we use these minimal shapes.
interface KernelBackend {
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): ArrayLike<number>;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array | Int32Array): TensorInfo;
}
type Attrs = Record<string, unknown>;

/** Calls a registered kernel of `backendName` directly (no tape, no engine bookkeeping). */
function callKernel(
  backendName: string,
  backend: KernelBackend,
  name: string,
  inputs: Record<string, TensorInfo>,
  attrs: Attrs = {},
): TensorInfo {
  const k = tf.getKernel(name, backendName);
  if (!k) throw new Error(`backend ${backendName} lacks kernel ${name}`);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const out = (k.kernelFunc as any)({ inputs, backend, attrs });
  return Array.isArray(out) ? out[0] : out;
}

const installed = new Map<string, tf.KernelConfig>(); // key backend/kernel -> stock config replaced (if any)
const stockKernels = new Map<string, tf.KernelConfig | null>();

function install(config: tf.KernelConfig): void {
  const key = `${config.backendName}/${config.kernelName}`;
  if (installed.has(key)) return;
  const stock = tf.getKernel(config.kernelName, config.backendName);
  stockKernels.set(key, stock ?? null);
  if (stock) tf.unregisterKernel(config.kernelName, config.backendName);
  // Keep the stock kernel's setup (wasm binds its C function there at backend init).
  tf.registerKernel(stock?.setupFunc ? { ...config, setupFunc: stock.setupFunc } : config);
  installed.set(key, config);
}

/** Puts back the stock kernels a backend had before {@link registerExtraKernels} (bench comparisons). */
export function restoreStockKernels(backendName: string): void {
  for (const [key, config] of [...installed]) {
    if (config.backendName !== backendName) continue;
    tf.unregisterKernel(config.kernelName, backendName);
    const stock = stockKernels.get(key);
    if (stock) tf.registerKernel(stock);
    installed.delete(key);
  }
}

/** Registers our Conv2DBackpropFilter / Conv2DBackpropInput (stride 1) / UnsortedSegmentSum for a backend. */
export function registerExtraKernels(backendName: string): void {
  install({
    kernelName: 'Conv2DBackpropFilter',
    backendName,
    kernelFunc: ((args: { inputs: Record<string, TensorInfo>; backend: KernelBackend; attrs: Attrs }) =>
      conv2DBackpropFilter(backendName, args)) as unknown as tf.KernelFunc,
  });
  const stockInput = tf.getKernel('Conv2DBackpropInput', backendName);
  if (backendName === 'wasm' && stockInput) {
    install({
      kernelName: 'Conv2DBackpropInput',
      backendName,
      kernelFunc: ((args: { inputs: Record<string, TensorInfo>; backend: KernelBackend; attrs: Attrs }) =>
        conv2DBackpropInput(backendName, stockInput, args)) as unknown as tf.KernelFunc,
    });
  }
  if (!tf.getKernel('UnsortedSegmentSum', backendName)) {
    install({
      kernelName: 'UnsortedSegmentSum',
      backendName,
      kernelFunc: ((args: { inputs: Record<string, TensorInfo>; backend: KernelBackend; attrs: Attrs }) =>
        unsortedSegmentSum(backendName, args)) as unknown as tf.KernelFunc,
    });
  }
}

function convInfo(xShape: number[], filterShape: number[], attrs: Attrs) {
  const { strides, pad, dataFormat, dimRoundingMode } = attrs as {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  if (dataFormat && dataFormat !== 'NHWC') throw new Error('extra conv kernels support NHWC only');
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
}

function conv2DBackpropFilter(
  backendName: string,
  { inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: KernelBackend; attrs: Attrs },
): TensorInfo {
  const x = inputs.x;
  const dy = inputs.dy;
  const filterShape = attrs.filterShape as number[];
  const info = convInfo(x.shape, filterShape, attrs);
  const { filterHeight: kh, filterWidth: kw, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow } = info;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const temps: TensorInfo[] = [];
  const run = (name: string, ins: Record<string, TensorInfo>, at: Attrs = {}) => {
    const out = callKernel(backendName, backend, name, ins, at);
    temps.push(out);
    return out;
  };
  // Rows/cols of x actually read, and the padding that makes the output exactly kh x kw.
  let bottom = kh - 1 + (oh - 1) * sh + 1 - h - top;
  let right = kw - 1 + (ow - 1) * sw + 1 - w - left;
  let xin = x;
  if (bottom < 0 || right < 0) {
    const hh = h + Math.min(bottom, 0);
    const ww = w + Math.min(right, 0);
    xin = run('Slice', { x }, { begin: [0, 0, 0, 0], size: [x.shape[0], hh, ww, x.shape[3]] });
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const xT = run('Transpose', { x: xin }, { perm: [3, 1, 2, 0] }); // [ci, h, w, b]
  const dyT = run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [oh, ow, b, co]
  const conv = run(
    'Conv2D',
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [sh, sw],
      dimRoundingMode: undefined,
    },
  ); // [ci, kh, kw, co]
  const out = callKernel(backendName, backend, 'Transpose', { x: conv }, { perm: [1, 2, 0, 3] });
  for (const t of temps) backend.disposeData(t.dataId);
  if (out.shape.join() !== [kh, kw, filterShape[2], filterShape[3]].join()) {
    throw new Error(`Conv2DBackpropFilter: got shape ${out.shape}, expected ${filterShape}`);
  }
  return out;
}

function conv2DBackpropInput(
  backendName: string,
  stock: tf.KernelConfig,
  args: { inputs: Record<string, TensorInfo>; backend: KernelBackend; attrs: Attrs },
): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy;
  const filter = inputs.filter;
  const inputShape = attrs.inputShape as number[];
  const info = convInfo(inputShape, filter.shape, attrs);
  if (info.strideHeight !== 1 || info.strideWidth !== 1) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return (stock.kernelFunc as any)(args);
  }
  const { filterHeight: kh, filterWidth: kw } = info;
  const pt = kh - 1 - info.padInfo.top;
  const pb = kh - 1 - info.padInfo.bottom;
  const pl = kw - 1 - info.padInfo.left;
  const pr = kw - 1 - info.padInfo.right;
  if (pt < 0 || pb < 0 || pl < 0 || pr < 0) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return (stock.kernelFunc as any)(args);
  }
  const flipped = callKernel(backendName, backend, 'Reverse', { x: filter }, { dims: [0, 1] });
  const swapped = callKernel(backendName, backend, 'Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
  const out = callKernel(
    backendName,
    backend,
    'Conv2D',
    { x: dy, filter: swapped },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [pt, pb],
        [pl, pr],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [1, 1],
      dimRoundingMode: undefined,
    },
  );
  backend.disposeData(flipped.dataId);
  backend.disposeData(swapped.dataId);
  return out;
}

function unsortedSegmentSum(
  backendName: string,
  { inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: KernelBackend; attrs: Attrs },
): TensorInfo {
  const x = inputs.x;
  const ids = inputs.segmentIds;
  const numSegments = attrs.numSegments as number;
  const n = ids.shape.reduce((a, b) => a * b, 1);
  const rest = x.shape.slice(ids.shape.length);
  const inner = rest.reduce((a, b) => a * b, 1);
  const temps: TensorInfo[] = [];
  const run = (name: string, ins: Record<string, TensorInfo>, at: Attrs = {}) => {
    const out = callKernel(backendName, backend, name, ins, at);
    temps.push(out);
    return out;
  };
  let idsI = ids;
  if (ids.dtype !== 'int32') idsI = run('Cast', { x: ids }, { dtype: 'int32' });
  const flatIds = run('Reshape', { x: idsI }, { shape: [n] });
  // (wasm's OneHot writes int32 whatever dtype is asked for: make int32, then cast.)
  const oneHotI = run('OneHot', { indices: flatIds }, { depth: numSegments, onValue: 1, offValue: 0, dtype: 'int32' });
  const oneHot = run('Cast', { x: oneHotI }, { dtype: x.dtype }); // [n, S]
  const x2 = run('Reshape', { x }, { shape: [1, n, inner] });
  const oh3 = run('Reshape', { x: oneHot }, { shape: [1, n, numSegments] });
  const prod = run('BatchMatMul', { a: oh3, b: x2 }, { transposeA: true, transposeB: false }); // [1, S, inner]
  const out = callKernel(backendName, backend, 'Reshape', { x: prod }, { shape: [numSegments, ...rest] });
  for (const t of temps) backend.disposeData(t.dataId);
  return out;
}
