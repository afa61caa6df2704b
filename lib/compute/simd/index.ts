/**
 * Our WebAssembly SIMD kernels (kernels.wat), run on the TF.js wasm backend's
 * own heap: the module imports the backend's WebAssembly.Memory, so a kernel
 * reads and writes tensors in place, 4 float32 lanes at a time, with no copy
 * in or out. Used on the wasm backend by lib/compute/fused.ts (Adam, row sums)
 * and lib/compute/backend.ts (products with up to 64 rows, small convolutions).
 * {@link ownMemoryKernels} runs the same module on a memory of its own, for
 * work outside TF.js (logistic regression's float64 Hessian, kNN's bounds), on any backend.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { libFile } from '../../host';

export interface SimdKernels {
  /** kernels.wat's `adam` (see there); pointers are byte offsets into the heap. */
  adam(
    p: number, m: number, v: number, g: number, z: number,
    po: number, mo: number, vo: number, n: number,
    b1: number, b2: number, c1: number, c2: number, lr: number, eps: number, sd: number, scale: number,
  ): void;
  /** out[M, N] = a[M, K] b[N, K]^T (byte offsets). */
  matmulRowsBT(a: number, b: number, out: number, M: number, K: number, N: number): void;
  /** out[M, N] = a[M, K] b[K, N] (byte offsets). */
  matmulRowsB(a: number, b: number, out: number, M: number, K: number, N: number): void;
  /** out[M, N] = a[M, K] b[K, N], register-blocked, no packing (byte offsets). */
  gemm(a: number, b: number, out: number, M: number, K: number, N: number): void;
  /** out[s, :] = sum of src[idx[i], :] over i in [starts[s], starts[s+1]), rows of F floats (byte offsets). */
  gatherRowSums(src: number, out: number, F: number, starts: number, idx: number, nOut: number): void;
  /**
   * Float64: out[a, c] = sum over i in order of (s[i] x[i, a]) x[i, c] for c <= a (and the
   * rest of the 4 x 4 tiles on the diagonal); x is n x kp row-major, kp a multiple of 4,
   * w n x kp scratch space, out kp x kp (byte offsets).
   */
  weightedGram(x: number, s: number, n: number, kp: number, w: number, out: number): void;
  /** Float64: out[a] = sum over i in order of r[i] x[i, a]; x is n x kp row-major, kp a multiple of 4 (byte offsets). */
  weightedColumnSums(x: number, r: number, n: number, kp: number, out: number): void;
  /**
   * Float64: for rows r in [first, end) of a table of 12 values a row, b = sum over c of
   * (head[r, c] - q[c])^2; the rows with b not above threshold (NaN included) go to outRow (int32) and their b to
   * outBound, in order; returns their count (byte offsets, row numbers).
   */
  headBoundsBelow(head: number, q: number, first: number, end: number, threshold: number, outRow: number, outBound: number): number;
}

interface WasmBackendLike {
  wasm: { asm: { memory: object } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
}

// The WebAssembly API, typed here (this project's TypeScript lib has no DOM types).
const WASM = (globalThis as unknown as {
  WebAssembly: {
    Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { exports: unknown };
  };
}).WebAssembly;

let compiled: object | null = null;
const instances = new WeakMap<object, SimdKernels>();

function compiledModule(): object {
  compiled ??= new WASM.Module(fs.readFileSync(libFile('compute', 'simd', 'kernels.wasm')));
  return compiled;
}

/** The kernels bound to the active wasm backend's heap; null on other backends. */
export function simdKernels(): SimdKernels | null {
  if (tf.getBackend() !== 'wasm') return null;
  const memory = (tf.backend() as unknown as WasmBackendLike).wasm?.asm?.memory;
  if (!(memory instanceof WASM.Memory)) return null;
  let k = instances.get(memory);
  if (!k) {
    k = new WASM.Instance(compiledModule(), { env: { memory } }).exports as unknown as SimdKernels;
    instances.set(memory, k);
  }
  return k;
}

/** Byte offset of a tensor's storage in the wasm heap. */
export function heapOffset(t: tf.TensorInfo | tf.Tensor): number {
  const info = (tf.backend() as unknown as WasmBackendLike).dataIdMap.get(t.dataId);
  if (!info) throw new Error('heapOffset: tensor is not on the wasm backend');
  return info.memoryOffset;
}

let own: { kernels: SimdKernels; memory: { buffer: ArrayBuffer; grow(pages: number): number } } | null = null;

/**
 * The kernels on a memory of their own (one per thread, grown as needed),
 * with at least `bytes` of it; works on every backend. The memory's buffer
 * changes when it grows: take views of it after this call.
 */
export function ownMemoryKernels(bytes: number): { kernels: SimdKernels; buffer: ArrayBuffer } {
  if (!own) {
    const memory = new WASM.Memory({ initial: 1 });
    own = { memory, kernels: new WASM.Instance(compiledModule(), { env: { memory } }).exports as unknown as SimdKernels };
  }
  const PAGE = 65536;
  const have = own.memory.buffer.byteLength;
  if (bytes > have) own.memory.grow(Math.ceil((bytes - have) / PAGE));
  return { kernels: own.kernels, buffer: own.memory.buffer };
}
