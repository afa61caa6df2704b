/**
 * A single-node Slurm cluster for the tests, started and stopped by them:
 * munged, slurmctld and slurmd run as children of the test process in the
 * foreground (-F / -D), on this host, with their configuration, key, state,
 * sockets and logs in one temporary folder and ports chosen free at start.
 * Nothing is installed or changed outside that folder; `stop()` cancels
 * every job of this cluster, waits for the queue to empty, ends the three
 * daemons and removes the folder (also on a failed test: call it in
 * afterAll). If the test process itself dies, an exit hook still kills them.
 *
 * Needs Debian's (or any distribution's) slurm-wlm and munge, and root
 * (slurmd starts jobs as their user).
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const SLURM_INSTALL_HINT = 'as root on Debian/Ubuntu: apt-get install -y slurm-wlm munge';

/** Why a local cluster cannot be started here, or null when it can. */
export function slurmUnavailable(): string | null {
  const missing = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel', 'sinfo'].filter((cmd) => spawnSync('sh', ['-c', `command -v ${cmd} || test -x /usr/sbin/${cmd}`]).status !== 0);
  if (missing.length) return `Slurm is not installed (missing ${missing.join(', ')}); ${SLURM_INSTALL_HINT}`;
  if (process.getuid?.() !== 0) return `the local Slurm cluster needs root (slurmd starts jobs as their user); run the tests as root with ${SLURM_INSTALL_HINT}`;
  return null;
}

function sbin(cmd: string): string {
  return fs.existsSync(`/usr/sbin/${cmd}`) ? `/usr/sbin/${cmd}` : cmd;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null> | T | null): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(200);
  }
}

export interface Cluster {
  /** The environment for Slurm's commands (SLURM_CONF). */
  env: NodeJS.ProcessEnv;
  dir: string;
  /** squeue's job ids still queued or running (of the given ids; all when none given). */
  queued(ids?: string[]): Promise<string[]>;
  /** Resolves when none of `ids` is queued or running. */
  waitFor(ids: string[], timeoutMs: number): Promise<void>;
  /** The daemons' logs, for a failure message. */
  logs(): string;
  stop(): Promise<void>;
}

export async function startCluster(): Promise<Cluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slurm-test-'));
  fs.chmodSync(dir, 0o755);
  for (const sub of ['munge', 'state', 'spool', 'log']) fs.mkdirSync(path.join(dir, sub), { mode: 0o755 });
  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.on('exit', killAll);
  const start = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) => {
    const out = fs.openSync(path.join(dir, 'log', `${cmd}.stdout`), 'a');
    const child = spawn(sbin(cmd), args, { env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    children.push(child);
    return child;
  };
  const host = os.hostname();
  const socket = path.join(dir, 'munge', 'munge.socket');
  const conf = path.join(dir, 'slurm.conf');
  const env = { ...process.env, SLURM_CONF: conf };
  const logs = () =>
    fs
      .readdirSync(path.join(dir, 'log'))
      .map((f) => `--- ${f}\n${fs.readFileSync(path.join(dir, 'log', f), 'utf8').split('\n').slice(-15).join('\n')}`)
      .join('\n');
  const queued = async (ids?: string[]) => {
    const args = ['-h', '-o', '%i', ...(ids && ids.length ? ['-j', ids.join(',')] : [])];
    try {
      const { stdout } = await exec('squeue', args, { env });
      return stdout.split('\n').map((s) => s.trim()).filter(Boolean);
    } catch {
      return []; // unknown job ids: long gone
    }
  };
  const stop = async () => {
    process.off('exit', killAll);
    try {
      const all = await queued();
      if (all.length) {
        await exec('scancel', all.map((id) => id.split('_')[0]), { env }).catch(() => undefined);
        await until('the cancelled jobs to end', 60_000, async () => ((await queued()).length === 0 ? true : null)).catch(() => undefined);
      }
    } finally {
      for (const c of [...children].reverse()) {
        if (c.exitCode !== null || c.signalCode !== null) continue;
        const ended = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await Promise.race([ended, sleep(10_000)]);
        if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    const key = path.join(dir, 'munge', 'munge.key');
    fs.writeFileSync(key, randomBytes(1024), { mode: 0o600 });
    start('munged', ['-F', '--force', `--key-file=${key}`, `--socket=${socket}`, `--pid-file=${dir}/munge/munged.pid`, `--log-file=${dir}/log/munged.log`, `--seed-file=${dir}/munge/seed`]);
    await until('munged', 15_000, () => (fs.existsSync(socket) ? true : null));
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    fs.writeFileSync(
      conf,
      [
        'ClusterName=sweeptest',
        `SlurmctldHost=${host}(127.0.0.1)`,
        'SlurmUser=root',
        'SlurmdUser=root',
        'AuthType=auth/munge',
        'CredType=cred/munge',
        `AuthInfo=socket=${socket}`,
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${dPort}`,
        `StateSaveLocation=${dir}/state`,
        `SlurmdSpoolDir=${dir}/spool`,
        `SlurmctldPidFile=${dir}/slurmctld.pid`,
        `SlurmdPidFile=${dir}/slurmd.pid`,
        `SlurmctldLogFile=${dir}/log/slurmctld.log`,
        `SlurmdLogFile=${dir}/log/slurmd.log`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'MpiDefault=none',
        'SwitchType=switch/none',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'JobCompType=jobcomp/none',
        'SchedulerType=sched/backfill',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'ReturnToService=2',
        'KillWait=5',
        `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${os.availableParallelism()} State=UNKNOWN`,
        'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
        '',
      ].join('\n'),
    );
    start('slurmctld', ['-D', '-f', conf], env);
    start('slurmd', ['-D', '-f', conf], env);
    await until('the node to be idle (sinfo)', 60_000, async () => {
      const r = await exec('sinfo', ['-h', '-o', '%T'], { env }).catch(() => ({ stdout: '' }));
      return r.stdout.trim() === 'idle' ? true : null;
    });
  } catch (err) {
    const detail = fs.existsSync(path.join(dir, 'log')) ? logs() : '';
    await stop();
    throw new Error(`${(err as Error).message}\n${detail}`);
  }
  const waitFor = async (ids: string[], timeoutMs: number) => {
    await until(`jobs ${ids.join(', ')} to end`, timeoutMs, async () => ((await queued(ids)).length === 0 ? true : null));
  };
  return { env, dir, queued, waitFor, logs, stop };
}
