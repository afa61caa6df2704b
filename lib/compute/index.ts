/**
 * lib/compute: the numeric platform under the models. It knows tensors,
 * kernels and threads, never patients or generators.
 *
 * - backend.ts     run-time TensorFlow.js backend choice (tfjs-node-gpu -> tfjs-node -> webgpu (training) -> wasm -> cpu), loading, printing
 * - kernels.ts     kernels the stock backends lack or run slowly (wasm, cpu), registered by backend.ts
 * - simd/          our WebAssembly SIMD kernels (kernels.wat) on the wasm backend's heap
 * - fused.ts       one-pass element-wise updates (Adam) and row sums over tensor storage
 * - noise.ts       fast seeded Gaussian and uniform fills (ziggurat over lib/random)
 * - noise-pool.ts  Gaussian draws on a worker thread, a step ahead
 * - workers/       the worker-thread channel (jobs, shared memory, synchronous waits)
 */
export { selectBackend, loadWasm, loadWebGpu, readSync, BACKEND_ORDER } from './backend';
export type { BackendInfo, BackendChoice, SelectBackendOptions, WebGpuAdapter } from './backend';
export { registerExtraKernels, restoreStockKernels } from './kernels';
export { simdKernels, heapOffset, ownMemoryKernels } from './simd/index';
export type { SimdKernels } from './simd/index';
export { fusedAvailable, storageView, withNewTensors, adamFused, rowSums, rowSumsAvailable, transposeRowSumLists } from './fused';
export type { AdamFusedArgs, RowSumLists } from './fused';
export { gaussian, fillGaussian, fillUniform } from './noise';
export { NoiseWorker, noiseWorkerWanted } from './noise-pool';
export type { NoiseJob } from './noise-pool';
export { JobWorker, WorkerPool, serveJobs, threadCount, useSecondCore } from './workers/channel';
