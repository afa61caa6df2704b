/**
 * Kernels the stock TensorFlow.js backends lack or run slowly, registered by
 * ./backend.ts when it chooses wasm or cpu.
 *
 * Kernels registered here (pure compositions of existing kernels, so every
 * backend computes the same function):
 * - `Conv2DBackpropFilter` (gradient of a Conv2D's filter; missing on wasm,
 *   very slow on cpu): one dilated Conv2D. For y = conv(x, W, stride s),
 *   dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, oh*s+kh-pt, ow*s+kw-pl, ci] dy[b,oh,ow,co],
 *   which is conv(x', dy', stride 1, dilation s) with the batch moved to the
 *   channel axis: x' = x^T [ci,h,w,b], dy' = [oh,ow,b,co].
 * - `Conv2DBackpropInput` (stock wasm one is slow): a Conv2D of dy with the
 *   spatially flipped filter, in/out channels swapped, padding k-1-p; for
 *   stride s > 1 (wasm) dy first gets s-1 zeros between its elements.
 * - `UnsortedSegmentSum` (gradient of gather, i.e. of the Embedding; missing on
 *   wasm): a one-hot matrix product.
 * - `BatchMatMul` on wasm (see {@link batchMatMulWasm}): stock wasm sends
 *   every product with `transposeA` or `transposeB` (every gradient of a
 *   matMul: a^T dy and dy b^T) to a naive
 *   loop (~50x slower than an explicit Transpose first: 800 ms vs 17 ms for
 *   [128,1024]^T [128,1024]), and XNNPACK re-packs the right operand whenever
 *   it is a new tensor (every weight after every update: ~14 ms for
 *   1024x1024), which dominates products with a few rows: products with up
 *   to 64 rows go to lib/compute/simd's kernels instead.
 * - `Conv2D` on wasm (see {@link conv2DWasm}): small convolutions by
 *   im2col and lib/compute/simd's gemm; XNNPACK builds and packs an operator for
 *   every new filter tensor (every weight after an update, every flipped
 *   filter of an input gradient).
 * - `Identity` on wasm (tf.clone, and every tensor the tape keeps for a
 *   gradient): the stock one copies the data; tensors are immutable, so ours
 *   shares it and counts a reference, as the cpu backend does (7 ms of
 *   copying per batch-1 step).
 * - `Slice`, `SplitV` (the gradient of concat) and rank >= 5 `Transpose` on
 *   wasm: the stock Slice copies the WHOLE input out of the heap for every
 *   slice (readSync) and walks rank-5 tensors element by element (SplitV
 *   of a [128,3,2,4,1536] gradient: seconds); ours copy contiguous runs
 *   straight from heap views.
 */
import * as tf from '@tensorflow/tfjs';
import { heapOffset, simdKernels } from './simd/index';


type TensorInfo = tf.TensorInfo;
// The kernel API types in tfjs-core are loose; we use these minimal shapes.
interface KernelBackend {
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
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

type Stock = tf.KernelConfig;
type KArgs = { inputs: Record<string, TensorInfo>; backend: KernelBackend; attrs: Attrs };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const runStock = (k: Stock, args: KArgs) => (k.kernelFunc as any)(args) as TensorInfo;

/** Installs one of our kernel functions as `name` on `backendName`. */
function installImpl(backendName: string, name: string, impl: (args: KArgs) => TensorInfo | TensorInfo[]): void {
  install({ kernelName: name, backendName, kernelFunc: impl as unknown as tf.KernelFunc });
}

/** Registers the kernels of the module comment for a backend (cpu: the first two; wasm: all). */
export function registerExtraKernels(backendName: string): void {
  const stock = (name: string) => tf.getKernel(name, backendName);
  installImpl(backendName, 'Conv2DBackpropFilter', (args) => conv2DBackpropFilter(backendName, args));
  if (!stock('UnsortedSegmentSum')) installImpl(backendName, 'UnsortedSegmentSum', (args) => unsortedSegmentSum(backendName, args));
  if (backendName !== 'wasm') return;
  // Replacements that leave some cases to the stock kernel, looked up before any is replaced.
  const [conv, input, matMul, identity, slice, splitV, transpose] = ['Conv2D', 'Conv2DBackpropInput', 'BatchMatMul', 'Identity', 'Slice', 'SplitV', 'Transpose'].map(stock);
  if (conv) installImpl(backendName, 'Conv2D', (args) => conv2DWasm(conv, args));
  if (input) installImpl(backendName, 'Conv2DBackpropInput', (args) => conv2DBackpropInput(backendName, input, args));
  if (matMul) installImpl(backendName, 'BatchMatMul', (args) => batchMatMulWasm(backendName, matMul, args));
  if (identity) {
    installImpl(backendName, 'Identity', (args) =>
      args.inputs.x.dtype === 'string' ? runStock(identity, args) : identityShared(args),
    );
  }
  if (slice) installImpl(backendName, 'Slice', (args) => sliceWasm(slice, args));
  if (splitV && slice) installImpl(backendName, 'SplitV', (args) => splitVWasm(slice, args));
  if (transpose) installImpl(backendName, 'Transpose', (args) => transposeWasm(transpose, args));
}

function identityShared({ inputs, backend }: KArgs): TensorInfo {
  const x = inputs.x;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** The geometry of a convolution from a conv kernel's attrs (dilations 1 when absent, as in the gradient kernels' attrs). */
function convInfo(xShape: number[], filterShape: number[], attrs: Attrs) {
  const { strides, pad, dataFormat, dimRoundingMode, dilations } = attrs as {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    dilations?: number | [number, number];
  };
  if (dataFormat && dataFormat !== 'NHWC') throw new Error('extra conv kernels support NHWC only');
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
}

/** Conv2D on wasm by im2col and our gemm when the unfolded input has at most this many values (and rows: output pixels). */
const SMALL_CONV_VALUES = 65536;
const SMALL_CONV_ROWS = 1024;

/**
 * wasm Conv2D: small convolutions (batch-1 training: the discriminator's,
 * and the convolutions behind their input gradients) as an unfolded input
 * [B*oh*ow, kh*kw*Cin] times the filter read as [kh*kw*Cin, Cout], by
 * lib/compute/simd's gemm. XNNPACK builds and packs a convolution operator for
 * every new filter tensor, which costs more than such a convolution itself;
 * a weight is a new tensor after every update, and a flipped filter (an
 * input gradient) is new on every call. Larger ones go to the stock kernel.
 */
function conv2DWasm(stock: Stock, args: KArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter } = inputs;
  const simd = simdKernels();
  if (!simd || x.dtype !== 'float32' || filter.dtype !== 'float32' || (attrs.dataFormat ?? 'NHWC') !== 'NHWC') return runStock(stock, args);
  const info = convInfo(x.shape, filter.shape, attrs);
  const { batchSize: nb, inHeight: h, inWidth: w, inChannels: cin, outHeight: oh, outWidth: ow, outChannels: cout } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const rows = nb * oh * ow;
  const k = kh * kw * cin;
  if (rows > SMALL_CONV_ROWS || rows * k > SMALL_CONV_VALUES) return runStock(stock, args);
  const heap = backend as unknown as WasmHeap;
  const patches = heap.makeOutput([rows, k], 'float32');
  const out = heap.makeOutput([nb, oh, ow, cout], 'float32');
  const xv = heap.typedArrayFromHeap(x);
  const pv = heap.typedArrayFromHeap(patches);
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  let p = 0;
  for (let b = 0; b < nb; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let fi = 0; fi < kh; fi++) {
          const r = i * sh + fi * dh - top;
          for (let fj = 0; fj < kw; fj++) {
            const c = j * sw + fj * dw - left;
            if (r < 0 || r >= h || c < 0 || c >= w) {
              pv.fill(0, p, p + cin);
            } else {
              const from = ((b * h + r) * w + c) * cin;
              for (let ch = 0; ch < cin; ch++) pv[p + ch] = xv[from + ch];
            }
            p += cin;
          }
        }
      }
    }
  }
  simd.gemm(heapOffset(patches), heapOffset(filter), heapOffset(out), rows, k, cout);
  backend.disposeData(patches.dataId);
  return out;
}

function conv2DBackpropFilter(
  backendName: string,
  { inputs, backend, attrs }: KArgs,
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
  args: KArgs,
): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy;
  const filter = inputs.filter;
  const inputShape = attrs.inputShape as number[];
  const info = convInfo(inputShape, filter.shape, attrs);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  // Stride s > 1: dy with s-1 zeros inserted between its elements ("dilated"),
  // then the stride-1 case (stock wasm's strided kernel is a slow loop).
  const hd = (info.outHeight - 1) * sh + 1;
  const wd = (info.outWidth - 1) * sw + 1;
  const pt = kh - 1 - info.padInfo.top;
  const pl = kw - 1 - info.padInfo.left;
  const pb = info.inHeight + kh - 1 - pt - hd;
  const pr = info.inWidth + kw - 1 - pl - wd;
  if (pt < 0 || pb < 0 || pl < 0 || pr < 0 || (sh > 1 && backendName !== 'wasm') || dy.dtype !== 'float32') {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return (stock.kernelFunc as any)(args);
  }
  let dyIn = dy;
  if (sh > 1 || sw > 1) {
    const [bn, oh, ow, co] = dy.shape;
    const heap = backend as unknown as WasmHeap;
    dyIn = heap.makeOutput([bn, hd, wd, co], 'float32');
    const src = heap.typedArrayFromHeap(dy);
    const dst = heap.typedArrayFromHeap(dyIn);
    dst.fill(0);
    for (let b = 0; b < bn; b++) {
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          const from = ((b * oh + i) * ow + j) * co;
          const to = ((b * hd + i * sh) * wd + j * sw) * co;
          for (let c = 0; c < co; c++) dst[to + c] = src[from + c];
        }
      }
    }
  }
  // The filter flipped spatially, input and output channels swapped, in one pass
  // (stock wasm Reverse: 0.8 ms for a 3x3x32x64 filter).
  const [fh, fw, fi, fo] = filter.shape;
  const heap = backend as unknown as WasmHeap;
  const swapped = heap.makeOutput([fh, fw, fo, fi], 'float32');
  const fv = heap.typedArrayFromHeap(filter);
  const sv = heap.typedArrayFromHeap(swapped);
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const from = ((fh - 1 - i) * fw + (fw - 1 - j)) * fi * fo;
      const to = (i * fw + j) * fo * fi;
      for (let ci = 0; ci < fi; ci++) for (let co = 0; co < fo; co++) sv[to + co * fi + ci] = fv[from + ci * fo + co];
    }
  }
  const out = callKernel(
    backendName,
    backend,
    'Conv2D',
    { x: dyIn, filter: swapped },
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
  backend.disposeData(swapped.dataId);
  if (dyIn !== dy) backend.disposeData(dyIn.dataId);
  return out;
}

function unsortedSegmentSum(
  backendName: string,
  { inputs, backend, attrs }: KArgs,
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

/**
 * Products with at most this many output rows go to our SIMD kernels
 * (lib/compute/simd) instead of XNNPACK: below 4 rows the row kernels, from 4
 * the register-blocked `gemm`. XNNPACK first packs the right operand into
 * its own layout, and it keeps the packing only while that tensor lives; a
 * weight is a new tensor after every update and a gradient is new every
 * time, so in training the packing is redone on nearly every call and
 * costs more than the product itself when there are few rows (measured on
 * fresh operands, ms: [12,192]x[192,512] 0.77 vs 0.15; [1,256]x[256,384]
 * 0.59 vs 0.02; [64,192]x[192,512] 1.4 vs 0.6). With many rows the packing
 * pays for itself and XNNPACK is as fast as `gemm` (768 rows: 7.0 vs 6.5).
 */
const FEW_ROWS = 64;

interface WasmHeap {
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
}

/**
 * wasm BatchMatMul without its slow cases:
 * - a single product (no batch) with at most {@link FEW_ROWS} output rows,
 *   or an empty sum (K = 0): our SIMD kernels in place on the heap, no
 *   packing ({@link fewRowsMatMul});
 * - transposeA or transposeB: the stock kernel sends them to a naive loop
 *   (10-50x slower than XNNPACK); here an explicit Transpose, then XNNPACK.
 * Everything else goes to the stock kernel.
 */
function batchMatMulWasm(
  backendName: string,
  stock: tf.KernelConfig,
  args: KArgs,
): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  const transposeA = !!attrs.transposeA;
  const transposeB = !!attrs.transposeB;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const batchA = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const batchB = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const callStock = (ins: Record<string, TensorInfo>, at: Attrs) => (stock.kernelFunc as any)({ inputs: ins, backend, attrs: at }) as TensorInfo;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return callStock(inputs, attrs);
  const swapLast = (t: TensorInfo) => {
    const perm = t.shape.map((_, i) => i);
    const r = t.shape.length;
    perm[r - 2] = r - 1;
    perm[r - 1] = r - 2;
    return callKernel(backendName, backend, 'Transpose', { x: t }, { perm });
  };
  // K = 0 too: XNNPACK refuses it and the stock kernel then returns uninitialized memory (ours: zeros).
  if (batchA === 1 && batchB === 1 && (M <= FEW_ROWS || K === 0)) {
    const outShape = [...(ra >= rb ? a : b).shape.slice(0, -2), M, N];
    return fewRowsMatMul(backend as unknown as WasmHeap, swapLast, a, b, transposeA, transposeB, M, K, N, outShape);
  }
  if (transposeA || transposeB) {
    const aT = transposeA ? swapLast(a) : a;
    const bT = transposeB ? swapLast(b) : b;
    const out = callStock({ a: aT, b: bT }, { ...attrs, transposeA: false, transposeB: false });
    if (aT !== a) backend.disposeData(aT.dataId);
    if (bT !== b) backend.disposeData(bT.dataId);
    return out;
  }
  return callStock(inputs, attrs);
}

/**
 * out[M,N] = op(a)[M,K] op(b)[K,N] (M <= {@link FEW_ROWS}, or K = 0), by our SIMD
 * kernels on the wasm heap, after an explicit transpose of a transposed a.
 * Below 4 rows: dot products with the rows of b when b is transposed, else
 * scaled rows of b added up. From 4 rows: `gemm`, 4 rows by 8 columns at a
 * time, after an explicit transpose of a transposed b too.
 */
function fewRowsMatMul(
  heap: WasmHeap,
  swapLast: (t: TensorInfo) => TensorInfo,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  M: number,
  K: number,
  N: number,
  outShape: number[],
): TensorInfo {
  const simd = simdKernels();
  if (!simd) throw new Error('BatchMatMul: the SIMD kernels need the wasm backend');
  const dispose = (t: TensorInfo) => (heap as unknown as KernelBackend).disposeData(t.dataId);
  const out = heap.makeOutput(outShape, 'float32');
  const rows = transposeA ? swapLast(a) : a;
  if (M >= 4) {
    const bb = transposeB ? swapLast(b) : b;
    simd.gemm(heapOffset(rows), heapOffset(bb), heapOffset(out), M, K, N);
    if (bb !== b) dispose(bb);
  } else {
    (transposeB ? simd.matmulRowsBT : simd.matmulRowsB)(heapOffset(rows), heapOffset(b), heapOffset(out), M, K, N);
  }
  if (rows !== a) dispose(rows);
  return out;
}

/** Heap view of a numeric tensor on wasm (null for strings). */
function heapView(backend: KernelBackend, t: TensorInfo): Float32Array | Int32Array | Uint8Array | null {
  if (t.dtype === 'string' || t.dtype === 'complex64') return null;
  return (backend as unknown as { typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array }).typedArrayFromHeap(t);
}

function stridesOf(shape: number[]): number[] {
  const st = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= shape[i];
  }
  return st;
}

/** Copies x[begin : begin + size] (all axes) into `out` (views), by contiguous runs. */
function copySlice(
  xv: Float32Array | Int32Array | Uint8Array,
  shape: number[],
  begin: number[],
  size: number[],
  ov: Float32Array | Int32Array | Uint8Array,
): void {
  const rank = shape.length;
  const st = stridesOf(shape);
  // Innermost axis d such that every axis after it is taken whole: runs of size[d] * stride[d].
  let d = rank - 1;
  while (d > 0 && begin[d] === 0 && size[d] === shape[d]) d--;
  const run = size[d] * st[d];
  const total = size.reduce((a, b) => a * b, 1);
  if (total === 0) return;
  const idx = new Array<number>(d).fill(0);
  let o = 0;
  for (;;) {
    let off = begin[d] * st[d];
    for (let i = 0; i < d; i++) off += (begin[i] + idx[i]) * st[i];
    if (run < 16) for (let j = 0; j < run; j++) ov[o + j] = xv[off + j];
    else (ov as Float32Array).set((xv as Float32Array).subarray(off, off + run), o);
    o += run;
    let i = d - 1;
    while (i >= 0) {
      if (++idx[i] < size[i]) break;
      idx[i] = 0;
      i--;
    }
    if (i < 0) break;
  }
}

function sliceWasm(stock: Stock, args: KArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x;
  if (x.dtype === 'string' || x.dtype === 'complex64') return runStock(stock, args);
  const [begin, size] = tf.slice_util.parseSliceParams(x as unknown as tf.TensorInfo & { rank: number }, attrs.begin as number[], attrs.size as number[]);
  const out = (backend as unknown as WasmHeap).makeOutput(size, x.dtype);
  const xv = heapView(backend, x);
  const ov = heapView(backend, out);
  if (!xv || !ov) return runStock(stock, args);
  copySlice(xv, x.shape, begin, size, ov);
  return out;
}

function splitVWasm(stockSlice: Stock, args: KArgs): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const x = inputs.x;
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
  const spec = attrs.numOrSizeSplits as number | number[];
  let sizes: number[];
  if (typeof spec === 'number') sizes = new Array<number>(spec).fill(x.shape[axis] / spec);
  else {
    const known = spec.reduce((a, b) => (b === -1 ? a : a + b), 0);
    sizes = spec.map((v) => (v === -1 ? x.shape[axis] - known : v));
  }
  const begin = x.shape.map(() => 0);
  return sizes.map((sz) => {
    const size = [...x.shape];
    size[axis] = sz;
    const out = sliceWasm(stockSlice, { inputs: { x }, backend, attrs: { begin: [...begin], size } });
    begin[axis] += sz;
    return out;
  });
}

function transposeWasm(stock: Stock, args: KArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x;
  const perm = attrs.perm as number[];
  // Merge input axes that stay adjacent and in order, drop size-1 axes.
  const keep = perm.filter((a) => x.shape[a] !== 1);
  const groups: number[][] = [];
  for (const a of keep) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1] + 1 === a) last.push(a);
    else groups.push([a]);
  }
  // Only rank >= 4 (after merging) with the innermost axis in place: runs copy; else the stock kernel.
  const innermost = keep.length ? Math.max(...keep) : -1;
  const lastGroup = groups[groups.length - 1];
  if (x.dtype === 'string' || groups.length < 4 || !lastGroup || lastGroup[lastGroup.length - 1] !== innermost) return runStock(stock, args);
  const outShape = perm.map((a) => x.shape[a]);
  const out = (backend as unknown as WasmHeap).makeOutput(outShape, x.dtype);
  const xv = heapView(backend, x);
  const ov = heapView(backend, out);
  if (!xv || !ov) return runStock(stock, args);
  // Merged input shape (in input order) and strides.
  const order = [...groups].sort((g1, g2) => g1[0] - g2[0]);
  const mShape = order.map((g) => g.reduce((p, a) => p * x.shape[a], 1));
  const mStride = stridesOf(mShape);
  const pos = new Map(order.map((g, i) => [g[0], i]));
  const oAxes = groups.map((g) => pos.get(g[0]) as number); // output axis -> merged input axis
  const oShape = oAxes.map((i) => mShape[i]);
  const r = oAxes.length;
  const run = oShape[r - 1]; // innermost axis in place: contiguous in both
  const idx = new Array<number>(r - 1).fill(0);
  let o = 0;
  for (;;) {
    let off = 0;
    for (let i = 0; i < r - 1; i++) off += idx[i] * mStride[oAxes[i]];
    if (run < 16) for (let j = 0; j < run; j++) ov[o + j] = xv[off + j];
    else (ov as Float32Array).set((xv as Float32Array).subarray(off, off + run), o);
    o += run;
    let i = r - 2;
    while (i >= 0) {
      if (++idx[i] < oShape[i]) break;
      idx[i] = 0;
      i--;
    }
    if (i < 0) break;
  }
  return out;
}
