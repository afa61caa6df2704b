/**
 * A notebook kernel (tslab, or Deno's `deno jupyter`) as a child process,
 * driven over ZeroMQ.
 *
 * The kernel is started from the project's committed kernelspec
 * (kernels/tslab/kernel.json, kernels/deno/kernel.json) with execa; we write
 * its connection file, connect DEALER sockets to shell and control and a
 * SUBSCRIBER to iopub, and talk the Jupyter messaging protocol (protocol.ts).
 * No Python and no jupyter_client.
 *
 * Deno's kernel sends a cell's output through a queue that can still hold
 * some of it after the cell's reply and idle status, and stamps each message
 * with the request being executed when it leaves the queue, so late output
 * carries the next request's id. With `drain`, every cell is followed by a
 * probe request that prints a unique sentinel through the same queue; what
 * arrives up to the sentinel (under the cell's or the probe's id) is the
 * cell's output, in order.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import type { ResultPromise } from 'execa';
import * as zmq from 'zeromq';
import { decode, encode, makeMessage, type JupyterMessage } from './protocol';
import { denoExecutable } from './deno';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const KERNELSPEC_DIR = path.join(REPO_ROOT, 'kernels', 'tslab');

/** The kernels the runner can run notebooks on, each with a committed kernelspec in kernels/<name>/. */
export const KERNEL_NAMES = ['tslab', 'deno'] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];

export function kernelSpecDir(name: KernelName): string {
  return path.join(REPO_ROOT, 'kernels', name);
}

/**
 * Environment for a kernel of this kind. Deno: no ANSI colours in the values
 * it shows (NO_COLOR), no check for a newer Deno (it would print a notice
 * and reach for the network).
 */
export function kernelEnv(name: KernelName): Record<string, string> {
  return name === 'deno' ? { NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } : {};
}

export class KernelError extends Error {}
export class KernelDiedError extends KernelError {}
export class CellTimeoutError extends KernelError {}
/** The kernel could not bind one of its ports (someone took it after we chose it). */
export class KernelPortError extends KernelError {}
/** The kernel did not answer kernel_info in time. */
export class KernelStartTimeoutError extends KernelError {}

/** How the kernel reports a port it could not bind; tslab logs it and keeps running. */
const PORT_IN_USE = /EADDRINUSE|Address already in use/;

/**
 * The command line of the committed kernelspec, with Jupyter's placeholders
 * filled in. A spec that starts Deno through the npm package's launcher
 * (`node …/node_modules/deno/bin.cjs`) gets the Deno binary itself instead:
 * the launcher runs Deno as its child, which a SIGKILL of the launcher (a
 * timed-out cell) would leave running.
 */
export function kernelArgv(connectionFile: string, specDir = KERNELSPEC_DIR): string[] {
  const specFile = path.join(specDir, 'kernel.json');
  if (!fs.existsSync(specFile)) throw new KernelError(`kernelspec not found: ${specFile}`);
  const spec = JSON.parse(fs.readFileSync(specFile, 'utf8')) as { argv: string[] };
  const argv = spec.argv.map((a) => a.replace('{resource_dir}', specDir).replace('{connection_file}', connectionFile));
  if (argv.length > 1 && /[\\/]node_modules[\\/]deno[\\/]bin\.cjs$/.test(argv[1])) return [denoExecutable(), ...argv.slice(2)];
  return argv;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address() as net.AddressInfo;
      srv.close(() => resolve(addr.port));
    });
  });
}

/** What one execute_request produced. */
export interface ExecuteResult {
  /** msg_id of the execute_request (iopub messages name it as parent). */
  msgId: string;
  /** 'ok', 'error', or tslab's 'abort' (request dropped after an earlier error). */
  status: string;
  executionCount: number | null;
  /** iopub messages (stream, display_data, execute_result, error, ...) in arrival order. */
  messages: JupyterMessage[];
  /** Every request id the cell's output may carry: the cell's, and its probe's when drained. */
  requestIds: string[];
}

export interface KernelOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Seconds to wait for kernel_info. */
  startTimeout?: number;
  argv?: (connectionFile: string) => string[];
  /** Told why a start failed when a new kernel is tried. */
  onRetry?: (reason: string) => void;
  /** Wait for each cell's late output with a sentinel (Deno's kernel; see the module comment). */
  drain?: boolean;
  /** Milliseconds to wait for the sentinel after a cell's reply (default 60 s). */
  drainTimeoutMs?: number;
}

export class Kernel {
  private child!: ResultPromise;
  private shell = new zmq.Dealer();
  private control = new zmq.Dealer();
  private iopub = new zmq.Subscriber();
  private key = randomBytes(32).toString('hex');
  private session = randomUUID();
  private tmpDir = '';
  private exited: { code: number | null; signal: string | null } | null = null;
  private exitWaiters: Array<() => void> = [];
  private shellWaiters = new Map<string, (m: JupyterMessage) => void>();
  private iopubListeners = new Set<(m: JupyterMessage) => void>();
  private closed = false;
  private drain = false;
  private drainTimeoutMs = 60_000;
  /** Everything the kernel process wrote to its own stderr/stdout (not via iopub). */
  processOutput = '';
  /** Callback for text the kernel process writes to its real stderr (async errors). */
  onProcessStderr: ((text: string) => void) | null = null;

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get hasExited(): boolean {
    return this.exited !== null;
  }

  /**
   * Starts a kernel, retrying on fresh ports when the start fails for a reason
   * that a new process can fix:
   * - A port conflict. The ports are found free here and bound by the kernel a
   *   moment later, so another process (a parallel notebook, or one of our own
   *   outgoing connections, whose source port is drawn from the same ephemeral
   *   range) can take one in between. tslab then logs EADDRINUSE as an
   *   unhandled rejection and stays alive without answering, so we watch its
   *   output instead of waiting for it to exit.
   * - No kernel_info reply within the start timeout (retried once: a kernel
   *   that is broken fails the same way twice, and we report its output).
   */
  static async start(opts: KernelOptions, attempts = 3): Promise<Kernel> {
    let timeouts = 0;
    for (let i = 1; ; i++) {
      const k = new Kernel();
      try {
        await k.launch(opts);
        return k;
      } catch (e) {
        await k.kill();
        const portConflict = e instanceof KernelPortError || (e instanceof KernelDiedError && PORT_IN_USE.test(k.processOutput));
        const timedOut = e instanceof KernelStartTimeoutError && ++timeouts <= 1;
        if (!(portConflict || timedOut) || i >= attempts) throw e;
        opts.onRetry?.(`${e instanceof Error ? e.message.split('\n')[0] : String(e)}; starting a new kernel on new ports`);
      }
    }
  }

  private async launch(opts: KernelOptions): Promise<void> {
    this.drain = opts.drain ?? false;
    this.drainTimeoutMs = opts.drainTimeoutMs ?? 60_000;
    this.tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sprint-kernel-'));
    const ports = [];
    for (let i = 0; i < 5; i++) ports.push(await freePort());
    const [shellPort, iopubPort, stdinPort, controlPort, hbPort] = ports;
    const conn = {
      transport: 'tcp',
      ip: '127.0.0.1',
      shell_port: shellPort,
      iopub_port: iopubPort,
      stdin_port: stdinPort,
      control_port: controlPort,
      hb_port: hbPort,
      key: this.key,
      signature_scheme: 'hmac-sha256',
      kernel_name: 'tslab',
    };
    const connFile = path.join(this.tmpDir, 'connection.json');
    fs.writeFileSync(connFile, JSON.stringify(conn), { mode: 0o600 });
    const [cmd, ...args] = (opts.argv ?? ((f) => kernelArgv(f)))(connFile);
    // execa is ESM-only; this project is CommonJS (tslab's module system), so load it dynamically.
    const { execa } = await import('execa');
    this.child = execa(cmd, args, {
      cwd: opts.cwd,
      env: { ...opts.env },
      extendEnv: true,
      reject: false,
      stdin: 'ignore',
      buffer: false,
      cleanup: true,
      forceKillAfterDelay: 2000,
    });
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      this.processOutput += text;
      this.onProcessStderr?.(text);
    };
    this.child.stderr?.on('data', onData);
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.processOutput += chunk.toString();
    });
    this.child.then((r) => {
      this.exited = { code: r.exitCode ?? null, signal: r.signal ?? null };
      for (const w of this.exitWaiters) w();
      this.exitWaiters = [];
    });

    this.shell.connect(`tcp://127.0.0.1:${shellPort}`);
    this.control.connect(`tcp://127.0.0.1:${controlPort}`);
    this.iopub.connect(`tcp://127.0.0.1:${iopubPort}`);
    this.iopub.subscribe();
    void this.pump(this.shell, (m) => this.shellWaiters.get(String(m.parent_header.msg_id))?.(m));
    void this.pump(this.control, (m) => this.shellWaiters.get(String(m.parent_header.msg_id))?.(m));
    void this.pump(this.iopub, (m) => {
      for (const l of this.iopubListeners) l(m);
    });
    await this.waitReady((opts.startTimeout ?? 60) * 1000);
  }

  private async pump(sock: zmq.Dealer | zmq.Subscriber, handle: (m: JupyterMessage) => void): Promise<void> {
    try {
      for await (const frames of sock) {
        let msg: JupyterMessage;
        try {
          msg = decode(this.key, frames as Buffer[]);
        } catch {
          continue; // unsigned or malformed: not from our kernel, ignore
        }
        handle(msg);
      }
    } catch {
      // socket closed
    }
  }

  /**
   * kernel_info handshake. The iopub subscription takes a moment to reach the
   * kernel (ZeroMQ's slow joiner), so we repeat kernel_info_request until an
   * iopub status message for one of them arrives: then no output can be lost.
   */
  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let iopubSeen = false;
    const sent = new Set<string>();
    const listener = (m: JupyterMessage) => {
      if (m.header.msg_type === 'status' && sent.has(String(m.parent_header.msg_id))) iopubSeen = true;
    };
    this.iopubListeners.add(listener);
    try {
      let replied = false;
      while (!(replied && iopubSeen)) {
        if (this.exited) throw new KernelDiedError(this.deathMessage('while starting'));
        if (PORT_IN_USE.test(this.processOutput)) throw new KernelPortError(`kernel could not bind its ports: ${this.outputTail()}`);
        if (Date.now() > deadline) {
          const tail = this.outputTail();
          throw new KernelStartTimeoutError(`kernel did not answer kernel_info within ${timeoutMs / 1000} s${tail ? `; its output:\n${tail}` : ' (it printed nothing)'}`);
        }
        const msg = makeMessage(this.session, 'kernel_info_request', {});
        sent.add(msg.header.msg_id);
        const reply = await this.request(this.shell, msg, 500).catch(() => null);
        if (reply) replied = true;
        if (replied && !iopubSeen) await sleep(50);
      }
    } finally {
      this.iopubListeners.delete(listener);
    }
  }

  /** The last lines the kernel process printed outside the protocol. */
  private outputTail(lines = 15): string {
    return this.processOutput.trim().split('\n').slice(-lines).join('\n');
  }

  deathMessage(when: string): string {
    const how = this.exited?.signal ? `signal ${this.exited.signal}` : `exit code ${this.exited?.code}`;
    const tail = this.outputTail();
    return `kernel died ${when} (${how})${tail ? `; its last output:\n${tail}` : ''}`;
  }

  private request(sock: zmq.Dealer, msg: JupyterMessage<unknown>, timeoutMs: number): Promise<JupyterMessage> {
    return new Promise((resolve, reject) => {
      const id = msg.header.msg_id;
      const timer = setTimeout(() => {
        this.shellWaiters.delete(id);
        reject(new CellTimeoutError(`no reply to ${msg.header.msg_type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.shellWaiters.set(id, (m) => {
        clearTimeout(timer);
        this.shellWaiters.delete(id);
        resolve(m);
      });
      sock.send(encode(this.key, msg)).catch(reject);
    });
  }

  /**
   * Runs one cell. Resolves when both the execute_reply and the iopub `idle`
   * status for it have arrived (and, with `drain`, the probe's sentinel: see
   * the module comment). Rejects with CellTimeoutError after timeoutMs (or when
   * the sentinel does not come within the drain timeout) and with
   * KernelDiedError if the process exits meanwhile. `onMessage` sees each of
   * the cell's iopub messages as it arrives (e.g. to show progress).
   */
  execute(code: string, timeoutMs: number, onMessage?: (m: JupyterMessage) => void): Promise<ExecuteResult> {
    const request = (source: string) =>
      makeMessage(this.session, 'execute_request', {
        code: source,
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false,
        stop_on_error: true,
      });
    const msg = request(code);
    const id = msg.header.msg_id;
    const messages: JupyterMessage[] = [];
    /** Requests whose replies and idle statuses are awaited: the cell, then its probe. */
    const pending = new Map<string, { reply: JupyterMessage | null; idle: boolean }>([[id, { reply: null, idle: false }]]);
    const sentinel = `sprint-runner-sentinel-${randomUUID()}`;
    let probeId: string | null = null;
    let sentinelSeen = false;
    return new Promise<ExecuteResult>((resolve, reject) => {
      let drainTimer: NodeJS.Timeout | undefined;
      const finish = (err?: Error) => {
        clearTimeout(timer);
        clearTimeout(drainTimer);
        this.iopubListeners.delete(listener);
        for (const key of pending.keys()) this.shellWaiters.delete(key);
        this.exitWaiters = this.exitWaiters.filter((w) => w !== onExit);
        if (err) return reject(err);
        const reply = pending.get(id)!.reply!;
        resolve({
          msgId: id,
          status: String(reply.content.status),
          executionCount: (reply.content.execution_count as number | undefined) ?? null,
          messages,
          requestIds: probeId ? [id, probeId] : [id],
        });
      };
      const done = (key: string) => {
        const p = pending.get(key);
        return Boolean(p && p.reply && p.idle);
      };
      const send = (m: JupyterMessage<unknown>) => {
        this.shellWaiters.set(m.header.msg_id, (r) => {
          pending.get(m.header.msg_id)!.reply = r;
          check();
        });
        this.shell.send(encode(this.key, m)).catch((e) => finish(e));
      };
      const check = () => {
        if (!done(id)) return;
        if (!this.drain) return finish();
        if (!probeId) {
          const probe = request(`console.log(${JSON.stringify(sentinel)});`);
          probeId = probe.header.msg_id;
          pending.set(probeId, { reply: null, idle: false });
          drainTimer = setTimeout(
            () => finish(new CellTimeoutError(`the kernel's output for the cell did not arrive within ${this.drainTimeoutMs / 1000} s of its reply`)),
            this.drainTimeoutMs,
          );
          send(probe);
          return;
        }
        if (sentinelSeen && done(probeId)) finish();
      };
      const listener = (m: JupyterMessage) => {
        const parent = String(m.parent_header.msg_id);
        if (!pending.has(parent)) return;
        const type = m.header.msg_type;
        if (type === 'status') {
          if ((m.content as { execution_state?: string }).execution_state === 'idle') {
            pending.get(parent)!.idle = true;
            check();
          }
          return;
        }
        if (parent === probeId && (type === 'execute_input' || sentinelSeen)) return;
        const text = (m.content as { text?: unknown }).text;
        if (probeId && type === 'stream' && typeof text === 'string' && text.includes(sentinel)) {
          sentinelSeen = true;
          const rest = text.replace(`${sentinel}\n`, '');
          if (rest) {
            const kept = { ...m, content: { ...m.content, text: rest } };
            messages.push(kept);
            onMessage?.(kept);
          }
          check();
          return;
        }
        messages.push(m);
        onMessage?.(m);
      };
      const onExit = () => finish(new KernelDiedError(this.deathMessage('while running the cell')));
      const timer = setTimeout(() => finish(new CellTimeoutError(`cell did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
      this.iopubListeners.add(listener);
      this.exitWaiters.push(onExit);
      if (this.exited) return onExit();
      send(msg);
    });
  }

  /** Listens to every iopub message (used to catch output that arrives after a cell finished). */
  onIopub(listener: (m: JupyterMessage) => void): () => void {
    this.iopubListeners.add(listener);
    return () => this.iopubListeners.delete(listener);
  }

  /** Asks the kernel to shut down; kills it if it has not exited within graceMs. */
  async shutdown(graceMs = 3000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.exited) {
      const msg = makeMessage(this.session, 'shutdown_request', { restart: false });
      await this.control.send(encode(this.key, msg)).catch(() => undefined);
      await this.waitExit(graceMs);
    }
    if (!this.exited) this.kill();
    await this.waitExit(5000);
    this.closeSockets();
  }

  /** Kills the kernel process at once (SIGKILL) and waits for it to be gone. */
  async kill(): Promise<void> {
    if (this.child && !this.exited) {
      this.child.kill('SIGKILL');
      await this.waitExit(5000);
    }
    this.closed = true;
    this.closeSockets();
  }

  private waitExit(ms: number): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(t);
        self.exitWaiters = self.exitWaiters.filter((w) => w !== done);
        resolve();
      }
      this.exitWaiters.push(done);
    });
  }

  private closeSockets(): void {
    for (const s of [this.shell, this.control, this.iopub]) {
      if (!s.closed) s.close();
    }
    if (this.tmpDir) fs.rmSync(this.tmpDir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
