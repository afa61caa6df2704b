/**
 * Fused element-wise updates on the CPU backends (wasm, cpu), written in
 * plain JavaScript over the tensors' own storage: one pass instead of a dozen
 * tensor ops, each of which reads and writes every element. Also
 * {@link rowSums} (wasm), sums of a few rows by index lists.
 *
 * The storage of a float32 tensor is a Float32Array that can be read in
 * place on these two backends: the wasm heap (`typedArrayFromHeap`) or the
 * cpu backend's value array. Inputs are only read; results go to freshly
 * allocated tensors (tensors stay immutable, as TF.js assumes). Other
 * backends (WebGL, WebGPU, native TensorFlow) have no such storage:
 * {@link fusedAvailable} is false there and callers use their tensor-op path.
 */
import * as tf from '@tensorflow/tfjs';
import { heapOffset, simdKernels } from './simd/index';

interface WasmLike {
  typedArrayFromHeap(t: { shape: number[]; dtype: tf.DataType; dataId: object }): Float32Array;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}
interface CpuLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
}

/** Whether the active backend exposes tensor storage to JavaScript (wasm, cpu). */
export function fusedAvailable(): boolean {
  const name = tf.getBackend();
  return name === 'wasm' || name === 'cpu';
}

/** A live view of a float32 tensor's storage (wasm or cpu backend); null elsewhere. Do not write to it. */
export function storageView(t: tf.Tensor): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const name = tf.getBackend();
  const backend = tf.backend() as unknown;
  if (name === 'wasm') return (backend as WasmLike).typedArrayFromHeap(t as unknown as { shape: number[]; dtype: tf.DataType; dataId: object });
  if (name === 'cpu') {
    const v = (backend as CpuLike).data.get(t.dataId)?.values;
    return v instanceof Float32Array ? v : null;
  }
  return null;
}

/**
 * `count` new float32 tensors of `shape` whose storage the caller fills
 * through `fill(views)` (views taken after every allocation: a wasm heap
 * growth would detach earlier views). Returns the tensors.
 */
export function withNewTensors(shape: number[], count: number, fill: (views: Float32Array[]) => void): tf.Tensor[] {
  const name = tf.getBackend();
  const size = shape.reduce((a, b) => a * b, 1);
  if (name === 'wasm') {
    const backend = tf.backend() as unknown as WasmLike;
    const infos = Array.from({ length: count }, () => backend.makeOutput(shape, 'float32'));
    const tensors = infos.map((info) => tf.engine().makeTensorFromTensorInfo(info));
    fill(tensors.map((t) => storageView(t) as Float32Array));
    return tensors;
  }
  const arrays = Array.from({ length: count }, () => new Float32Array(size));
  fill(arrays);
  return arrays.map((a) => tf.tensor(a, shape, 'float32'));
}

export interface AdamFusedArgs {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Bias-corrected step size lr * sqrt(1 - b2^t) / (1 - b1^t). */
  lrT: number;
  /** The gradient is (g + noiseStd * noise) * gradScale. */
  gradScale: number;
  noise: Float32Array | null;
  noiseStd: number;
}

/**
 * One Adam update of a weight in one pass:
 *   g' = (g + noiseStd * noise) * gradScale,
 *   m' = b1 m + (1 - b1) g',  v' = b2 v + (1 - b2) g'^2,
 *   p' = p - lrT m' / (sqrt(v') + eps).
 * Returns new tensors [p', m', v']. On wasm: our SIMD kernel on the heap
 * (lib/compute/simd, float32 arithmetic, ~4x faster); on cpu: a JavaScript loop
 * (double-precision arithmetic, rounded to float32 on store). Only for
 * backends where {@link fusedAvailable}.
 */
export function adamFused(p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, a: AdamFusedArgs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const n = p.size;
  if (a.noise && a.noise.length !== n) throw new Error(`adamFused: noise has ${a.noise.length} values, weight ${n}`);
  const simd = simdKernels();
  if (simd && [p, m, v, g].every((t) => t.dtype === 'float32')) {
    const [pOut, mOut, vOut] = withNewTensors(p.shape, 3, () => undefined);
    // The noise is in JavaScript memory: one copy into the heap.
    const z = a.noise ? withNewTensors([n], 1, ([view]) => view.set(a.noise as Float32Array))[0] : null;
    const at = heapOffset;
    simd.adam(at(p), at(m), at(v), at(g), z ? at(z) : at(g), at(pOut), at(mOut), at(vOut), n, a.beta1, a.beta2, 1 - a.beta1, 1 - a.beta2, a.lrT, a.epsilon, z ? a.noiseStd : 0, a.gradScale);
    z?.dispose();
    return [pOut, mOut, vOut];
  }
  const [pOut, mOut, vOut] = withNewTensors(p.shape, 3, ([po, mo, vo]) => {
    const pv = storageView(p);
    const mv = storageView(m);
    const vv = storageView(v);
    const gv = storageView(g);
    if (!pv || !mv || !vv || !gv) throw new Error('adamFused: tensor storage not readable on this backend');
    const { beta1: b1, beta2: b2, epsilon: eps, lrT, gradScale } = a;
    const c1 = 1 - b1;
    const c2 = 1 - b2;
    const noise = a.noise;
    if (noise) {
      const sd = a.noiseStd;
      for (let i = 0; i < n; i++) {
        const gi = (gv[i] + sd * noise[i]) * gradScale;
        const mi = b1 * mv[i] + c1 * gi;
        const vi = b2 * vv[i] + c2 * gi * gi;
        mo[i] = mi;
        vo[i] = vi;
        po[i] = pv[i] - (lrT * mi) / (Math.sqrt(vi) + eps);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const gi = gv[i] * gradScale;
        const mi = b1 * mv[i] + c1 * gi;
        const vi = b2 * vv[i] + c2 * gi * gi;
        mo[i] = mi;
        vo[i] = vi;
        po[i] = pv[i] - (lrT * mi) / (Math.sqrt(vi) + eps);
      }
    }
  });
  return [pOut, mOut, vOut];
}

/**
 * Index lists for {@link rowSums}: output row s is the sum of input rows
 * idx[starts[s]] ... idx[starts[s + 1] - 1]; nIn is the input's row count.
 */
export interface RowSumLists {
  starts: Int32Array;
  idx: Int32Array;
  nIn: number;
}

/** The lists of the gradient: input row u receives every output row whose list holds u. */
export function transposeRowSumLists(l: RowSumLists): RowSumLists {
  const nOut = l.starts.length - 1;
  const starts = new Int32Array(l.nIn + 1);
  for (const u of l.idx) starts[u + 1]++;
  for (let u = 0; u < l.nIn; u++) starts[u + 1] += starts[u];
  const idx = new Int32Array(l.idx.length);
  const fill = starts.slice(0, l.nIn);
  for (let s = 0; s < nOut; s++) for (let i = l.starts[s]; i < l.starts[s + 1]; i++) idx[fill[l.idx[i]]++] = s;
  return { starts, idx, nIn: nOut };
}

/** Throws unless the lists are well formed: the kernel reads whatever rows idx names. */
function checkRowSumLists(l: RowSumLists): void {
  const { starts, idx, nIn } = l;
  let ok = starts.length >= 1 && starts[0] === 0 && starts[starts.length - 1] === idx.length;
  for (let s = 1; ok && s < starts.length; s++) ok = starts[s] >= starts[s - 1];
  for (let i = 0; ok && i < idx.length; i++) ok = idx[i] >= 0 && idx[i] < nIn;
  if (!ok) throw new Error(`rowSums: malformed lists (starts must rise from 0 to ${idx.length}, rows must lie in [0, ${nIn}))`);
}

/** out[s, :] = sum of x[idx[i], :] over s's list, on the wasm heap by our SIMD kernel (no gradient). */
function gatherRowSumsWasm(x: tf.Tensor2D, l: RowSumLists): tf.Tensor2D {
  const simd = simdKernels();
  if (!simd) throw new Error('rowSums: the SIMD kernels need the wasm backend');
  if (x.shape[0] !== l.nIn) throw new Error(`rowSums: input has ${x.shape[0]} rows, the lists expect ${l.nIn}`);
  checkRowSumLists(l);
  const f = x.shape[1];
  const nOut = l.starts.length - 1;
  const starts = tf.tensor1d(l.starts, 'int32');
  const idx = tf.tensor1d(l.idx.length ? l.idx : new Int32Array(1), 'int32');
  const [out] = withNewTensors([nOut, f], 1, () => undefined);
  simd.gatherRowSums(heapOffset(x), heapOffset(out), f, heapOffset(starts), heapOffset(idx), nOut);
  tf.dispose([starts, idx]);
  return out as tf.Tensor2D;
}

/**
 * Sums of rows of x [nIn, F] by index lists (a product with a sparse 0/1
 * matrix, without its zeros), differentiable: the gradient is the same
 * kind of sum with the transposed lists. wasm only (our SIMD kernel):
 * check {@link rowSumsAvailable}.
 */
export function rowSums(x: tf.Tensor2D, lists: RowSumLists, transposed?: RowSumLists): tf.Tensor2D {
  const back = transposed ?? transposeRowSumLists(lists);
  const op = tf.customGrad((input) => ({
    value: gatherRowSumsWasm(input as tf.Tensor2D, lists),
    gradFunc: (dy: tf.Tensor) => gatherRowSumsWasm(dy as tf.Tensor2D, back),
  }));
  return op(x) as tf.Tensor2D;
}

/** Whether {@link rowSums} runs on the active backend (wasm). */
export function rowSumsAvailable(): boolean {
  return simdKernels() !== null;
}
