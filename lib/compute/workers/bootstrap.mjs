// Entry of this project's worker threads under Deno (bootstrap.js is Node's):
// Deno runs TypeScript itself, so this only imports the module named in
// workerData.entry. A failure to load is reported through the shared control
// words, since the parent may be blocked waiting on them (see channel.ts).
import { workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

try {
  await import(pathToFileURL(workerData.entry).href);
} catch (err) {
  const msg = new TextEncoder().encode(String((err && err.stack) || err)).subarray(0, workerData.error.byteLength);
  new Uint8Array(workerData.error).set(msg);
  const control = new Int32Array(workerData.control);
  Atomics.store(control, 1, msg.length);
  Atomics.store(control, 0, 2);
  Atomics.notify(control, 0);
}
