/**
 * vitest setup (every test file): tfjs-backend-cpu's "Hi, looks like you are
 * running TensorFlow.js in Node.js" notice fails the test that caused it, so
 * test logs stay free of it. It appears when tensors are made on a cpu
 * backend that lib/compute/backend.ts's selectBackend did not choose; select
 * the backend in that test file (`await selectBackend({ backend: 'cpu', log: null })`).
 */
const NOTICE = /looks like you are running TensorFlow\.js in Node\.js/;
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (args.some((a) => typeof a === 'string' && NOTICE.test(a))) {
    throw new Error("tfjs-backend-cpu's Node.js notice: this test made tensors on a cpu backend not chosen by selectBackend; call `await selectBackend({ backend: 'cpu', log: null })` first (test/setup/no-tfjs-notice.ts).");
  }
  warn(...args);
};
