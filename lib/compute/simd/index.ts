/**
 * Our WebAssembly SIMD kernels (kernels.wat), run on the TF.js wasm backend's
 * own heap: the module imports the backend's WebAssembly.Memory, so a kernel
 * reads and writes tensors in place, 4 float32 lanes at a time, with no copy
 * in or out. Used on the wasm backend by lib/compute/fused.ts (Adam, row sums)
 * and lib/compute/backend.ts (products with up to 64 rows, small convolutions).
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
}

interface WasmBackendLike {
  wasm: { asm: { memory: object } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
}

// The WebAssembly API, typed here (this project's TypeScript lib has no DOM types).
const WASM = (globalThis as unknown as {
  WebAssembly: {
    Memory: new (descriptor: { initial: number }) => object;
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { exports: unknown };
  };
}).WebAssembly;

let compiled: object | null = null;
const instances = new WeakMap<object, SimdKernels>();

/** The kernels bound to the active wasm backend's heap; null on other backends. */
export function simdKernels(): SimdKernels | null {
  if (tf.getBackend() !== 'wasm') return null;
  const memory = (tf.backend() as unknown as WasmBackendLike).wasm?.asm?.memory;
  if (!(memory instanceof WASM.Memory)) return null;
  let k = instances.get(memory);
  if (!k) {
    compiled ??= new WASM.Module(fs.readFileSync(libFile('compute', 'simd', 'kernels.wasm')));
    k = new WASM.Instance(compiled, { env: { memory } }).exports as unknown as SimdKernels;
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
