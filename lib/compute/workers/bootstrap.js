// Entry of this project's worker threads. A worker starts without its
// parent's TypeScript loader (tsx, vitest or tslab), so it registers tsx's
// and then runs the TypeScript module named in workerData.entry. A failure to
// start is reported through the shared control words,
// since the parent may be blocked waiting on them (see channel.ts).
'use strict';
const { workerData } = require('node:worker_threads');
try {
  require('tsx/cjs/api').register();
  require(workerData.entry);
} catch (err) {
  const msg = Buffer.from(String((err && err.stack) || err)).subarray(0, workerData.error.length);
  new Uint8Array(workerData.error).set(msg);
  const control = new Int32Array(workerData.control);
  Atomics.store(control, 1, msg.length);
  Atomics.store(control, 0, 2);
  Atomics.notify(control, 0);
}
