/**
 * `npm run notebooks -- [paths…] [--update] [--profile NAME] [--param k=v]
 *                      [--kernel tslab|deno] [--reference KERNEL]
 *                      [--timeout S] [--jobs N] [--junit FILE] [--data DIR]
 *                      [--allow-real-data-outputs]`
 *
 * Runs every notebook in a fresh kernel (tslab by default, or Deno's) and
 * compares its outputs with the stored ones (nbval style); `--update`
 * rewrites the stored outputs instead. With `--reference tslab`, every
 * notebook is first run on that kernel, then on `--kernel`, and the second
 * run's outputs are compared with the first's (normalize.ts lists what is
 * normalized): how CI checks Deno in the smoke profile. Notebooks whose
 * names start with a number form stages run in that order (01_* before
 * 02_*), since later notebooks read files earlier ones write; notebooks
 * within a stage run in parallel.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type RunnerConfig } from './config';
import { KERNEL_NAMES, REPO_ROOT, type KernelName } from './kernel';
import { DENO_NORMALIZATIONS, kernelFileRenames, renameKernelFiles } from './normalize';
import { readNotebook, writeNotebook, serializeNotebook } from './notebook';
import { writeFileAtomic } from '../../lib/fs';
import { injectParameters, parseParam, declaredParameters, parametersCellIndex, ParameterError } from './params';
import { runNotebook, type NotebookResult } from './run';
import { Progress } from './progress';
import { toJUnit } from './junit';
import { ALLOW_REAL_DATA_ENV, realDataRefusal, runnerDataSource } from './guard';

export const HELP = `Usage: npm run notebooks -- [paths…] [options]

Runs notebooks headless in fresh kernels (tslab, or Deno's) and checks their
outputs against the stored ones. Paths are .ipynb files or folders (default:
notebooks). The stored outputs are those of the notebooks' own parameters (the
default profile): with --profile or --param values injected, the notebooks are
only executed and fail on errors, unless --update rewrites them, or compared
with a run on another kernel (--reference). While they run, the notebook,
cell, elapsed time and the cells' output (training progress) are shown on
stderr.

Options:
  --update           rewrite the stored outputs (atomically) instead of comparing
  --profile NAME     inject the parameter set NAME from runner.config.json
                     (default: $SPRINT_PROFILE; none injects nothing)
  --param k=v        override one parameter (repeatable; v is JSON or a string)
  --kernel NAME      the kernel to run on: tslab (default) or deno (kernels/NAME/);
                     a Deno run type-checks the cells first (deno check)
  --reference NAME   first run every notebook on kernel NAME, then on --kernel, and
                     compare the second run's outputs with the first's (after
                     normalizing the kernels' known differences; not with --update)
  --timeout S        per-cell timeout in seconds (default: runner.config.json, else 900)
  --jobs N           notebooks run at once within a stage (default: CPU count)
  --junit FILE       also write a JUnit XML report
  --failed-dir DIR   where executed copies of failing notebooks go (default: .runner/failed)
  --data DIR         run on the SPRINT files in DIR (sets SPRINT_DATA_DIR for the kernels)
  --allow-real-data-outputs
                     allow --update (and figure export into figures/) when the data
                     source is real; refused by default, see README "Using the real SPRINT data"
  --quiet            no progress on stderr
  -h, --help         this text

The last line is "N passed, N failed"; the exit code is 1 when any failed.`;

export interface CliOptions {
  paths: string[];
  update: boolean;
  profile?: string;
  params: Record<string, unknown>;
  timeout?: number;
  jobs: number;
  junit?: string;
  failedDir: string;
  /** Data folder for the kernels (SPRINT_DATA_DIR); undefined: inherit the environment. */
  data?: string;
  allowRealDataOutputs: boolean;
  quiet: boolean;
  kernel: KernelName;
  reference?: KernelName;
}

/**
 * A profile's values for a run on `kernel`: `{kernel}` in a string value
 * becomes the kernel's name, so that a profile can keep each kernel's files
 * apart (the smoke profile's run folders: runs/smoke-tslab, runs/smoke-deno),
 * and a run compared with another kernel's computes everything itself
 * instead of reading what the other run cached.
 */
export function profileValues(profile: Record<string, unknown>, kernel: KernelName): Record<string, unknown> {
  return Object.fromEntries(Object.entries(profile).map(([k, v]) => [k, typeof v === 'string' ? v.replaceAll('{kernel}', kernel) : v]));
}

export class UsageError extends Error {}

export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        update: { type: 'boolean', default: false },
        profile: { type: 'string' },
        param: { type: 'string', multiple: true, default: [] },
        timeout: { type: 'string' },
        jobs: { type: 'string' },
        junit: { type: 'string' },
        'failed-dir': { type: 'string' },
        data: { type: 'string' },
        'allow-real-data-outputs': { type: 'boolean', default: false },
        kernel: { type: 'string' },
        reference: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const num = (name: string, s: string | undefined, integer: boolean): number | undefined => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got '${s}'`);
    return n;
  };
  const kernelName = (name: string, s: string | undefined): KernelName | undefined => {
    if (s === undefined) return undefined;
    if (!(KERNEL_NAMES as readonly string[]).includes(s)) throw new UsageError(`--${name} must be one of ${KERNEL_NAMES.join(', ')}, got '${s}'`);
    return s as KernelName;
  };
  const kernel = kernelName('kernel', v.kernel as string | undefined) ?? 'tslab';
  const reference = kernelName('reference', v.reference as string | undefined);
  if (reference && v.update) throw new UsageError('--reference compares two runs; it cannot be combined with --update');
  if (reference === kernel) throw new UsageError(`--reference ${reference} is the kernel being run; name the other one`);
  const params: Record<string, unknown> = {};
  for (const p of v.param as string[]) {
    try {
      const [k, val] = parseParam(p);
      params[k] = val;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return {
    paths: parsed.positionals.length ? parsed.positionals : ['notebooks'],
    update: Boolean(v.update),
    profile: (v.profile as string | undefined) ?? (env.SPRINT_PROFILE || undefined),
    params,
    timeout: num('timeout', v.timeout as string | undefined, false),
    jobs: num('jobs', v.jobs as string | undefined, true) ?? Math.max(1, os.cpus().length),
    junit: v.junit as string | undefined,
    failedDir: (v['failed-dir'] as string | undefined) ?? path.join(REPO_ROOT, '.runner', 'failed'),
    data: v.data as string | undefined,
    allowRealDataOutputs: Boolean(v['allow-real-data-outputs']),
    quiet: Boolean(v.quiet),
    kernel,
    reference,
  };
}

/** Expands folders to the .ipynb files directly inside them (sorted); checks files exist. */
export function findNotebooks(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!fs.existsSync(p)) throw new UsageError(`no such notebook or folder: ${p}`);
    if (fs.statSync(p).isDirectory()) {
      for (const f of fs.readdirSync(p).sort()) if (f.endsWith('.ipynb')) out.push(path.join(p, f));
    } else if (p.endsWith('.ipynb')) out.push(p);
    else throw new UsageError(`not a notebook (.ipynb): ${p}`);
  }
  return [...new Set(out)];
}

/** Groups notebooks into stages by numeric filename prefix; unnumbered ones join the first stage. */
export function stages(files: string[]): string[][] {
  const keyOf = (f: string) => {
    const m = /^(\d+)[_\-. ]/.exec(path.basename(f));
    return m ? Number(m[1]) : -1;
  };
  const keys = [...new Set(files.map(keyOf))].sort((a, b) => a - b);
  const groups = keys.map((k) => files.filter((f) => keyOf(f) === k));
  if (groups.length > 1 && keys[0] === -1) {
    groups[1] = [...groups[0], ...groups[1]];
    groups.shift();
  }
  return groups;
}

async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(workers);
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

/** A notebook's report lines; `tag` (e.g. ` [deno]`) names the kernel when it is not the only one. */
export function report(r: NotebookResult, update: boolean, tag = ''): string {
  const rel = path.relative(process.cwd(), r.file) || r.file;
  const ran = r.cells.filter((c) => c.status === 'passed' || c.status === 'failed').length;
  const head = `${r.passed ? 'PASS' : 'FAIL'} ${rel}${tag} (${ran} cells run, ${(r.durationMs / 1000).toFixed(1)} s${update && r.passed ? ', outputs updated' : ''})`;
  const lines = [head];
  if (r.error) lines.push(indent(r.error, '    '));
  for (const c of r.cells) {
    if (c.status === 'failed') {
      lines.push(`  ✗ cell ${c.index} [${c.id}] ${c.title}`);
      for (const p of c.problems) lines.push(indent(p, '      '));
    }
  }
  const notRun = r.cells.filter((c) => c.status === 'not-run');
  if (notRun.length && !r.error) lines.push(`  - ${notRun.length} later cell(s) not run: ${notRun.map((c) => c.index).join(', ')}`);
  return lines.join('\n');
}

/**
 * Runs the CLI. `progress`: where the live display goes (the command line
 * passes one on stderr; tests and --quiet none); `log` gets the report lines.
 */
export async function runCli(argv: string[], log: (s: string) => void = console.log, env: NodeJS.ProcessEnv = process.env, progress: Progress | null = null): Promise<number> {
  let opts: CliOptions | 'help';
  let files: string[];
  try {
    opts = parseCli(argv, env);
    if (opts === 'help') {
      log(HELP);
      return 0;
    }
    files = findNotebooks(opts.paths);
  } catch (e) {
    if (e instanceof UsageError) {
      log(`error: ${e.message}\n\n${HELP}`);
      return 2;
    }
    throw e;
  }
  if (files.length === 0) {
    log('error: no notebooks found');
    return 2;
  }
  const o = opts;

  // Real-data guard: decided before anything is read, run or written.
  const source = runnerDataSource({ data: o.data, params: o.params, env });
  const refusal = realDataRefusal(source, o.update, o.allowRealDataOutputs);
  if (refusal) {
    log(`error: ${refusal}`);
    return 2;
  }
  if (source.kind === 'real') {
    log(`data: real (${source.via} = ${source.dir}); outputs are for your eyes only` + (o.update ? ' (--allow-real-data-outputs given)' : ''));
  }
  const kernelEnv: Record<string, string> = {
    SPRINT_RUNNER: '1',
    ...(o.profile ? { SPRINT_PROFILE: o.profile } : {}),
    ...(o.data !== undefined ? { SPRINT_DATA_DIR: path.resolve(o.data) } : env.SPRINT_DATA_DIR ? { SPRINT_DATA_DIR: env.SPRINT_DATA_DIR } : {}),
    ...(o.allowRealDataOutputs ? { [ALLOW_REAL_DATA_ENV]: '1' } : {}),
  };

  // Prepare every notebook for every kernel that runs first, so a bad parameter stops us before any kernel starts.
  const prepared = new Map<KernelName, Map<string, { nb: ReturnType<typeof readNotebook>; config: RunnerConfig }>>();
  let injectedAny = false;
  try {
    const explicit = Object.keys(o.params);
    for (const name of explicit) {
      const declaredSomewhere = files.some((f) => {
        const nb = readNotebook(f);
        const at = parametersCellIndex(nb);
        return at >= 0 && declaredParameters(nb.cells[at].source).some((d) => d.name === name);
      });
      if (!declaredSomewhere) throw new ParameterError(`--param ${name}: no notebook among those run declares '${name}' in its parameters cell`);
    }
    for (const kernel of o.reference ? [o.reference, o.kernel] : [o.kernel]) {
      const forKernel = new Map<string, { nb: ReturnType<typeof readNotebook>; config: RunnerConfig }>();
      for (const f of files) {
        const config = loadConfig(path.dirname(f));
        let values: Record<string, unknown> = {};
        const origin: string[] = [];
        if (o.profile) {
          const profile = config.profiles[o.profile];
          if (!profile) throw new ParameterError(`unknown profile '${o.profile}' for ${f}; ${config.file ?? 'runner.config.json'} defines: ${Object.keys(config.profiles).join(', ') || 'none'}`);
          values = profileValues(profile, kernel);
          origin.push(`profile ${o.profile}`);
        }
        if (explicit.length) origin.push(...explicit.map((k) => `--param ${k}=${JSON.stringify(o.params[k])}`));
        values = { ...values, ...o.params };
        const { notebook, injected } = injectParameters(readNotebook(f), values, origin.join(', '));
        if (Object.keys(injected).length > 0) injectedAny = true;
        forKernel.set(f, { nb: notebook, config });
      }
      prepared.set(kernel, forKernel);
    }
  } catch (e) {
    if (e instanceof ParameterError || (e as Error).name === 'NotebookFormatError' || (e as Error).name === 'ConfigError') {
      log(`error: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }

  // The stored outputs are the notebooks' own parameters': other values are executed, not compared.
  const compare = !injectedAny;
  if (!compare && !o.update && !o.reference) log('parameters injected: executing only (the stored outputs are those of the default parameters)');
  const show = o.quiet ? null : progress;
  // Report lines go to stdout; with a live display (stderr, same terminal) they are printed around it.
  const say = show ? (line: string) => show.print(line, (t) => process.stdout.write(t)) : log;

  /** Runs every notebook on `kernel` (stage by stage), comparing with `reference`'s runs when given. */
  const runAll = async (kernel: KernelName, reference: { kernel: KernelName; runs: Map<string, NotebookResult> } | null): Promise<NotebookResult[]> => {
    const tag = kernel === 'tslab' && !reference && !o.reference ? '' : ` [${kernel}]`;
    const notebooks = prepared.get(kernel)!;
    const results: NotebookResult[] = [];
    let blockedBy: string | null = null;
    for (const stage of stages(files)) {
      if (blockedBy) {
        for (const f of stage) {
          say(`FAIL ${f}${tag}\n    not run: it comes after ${blockedBy}, which failed`);
          results.push({ file: f, passed: false, error: `not run: ${blockedBy} failed`, cells: [], durationMs: 0, executed: notebooks.get(f)!.nb });
        }
        continue;
      }
      await pool(stage, o.jobs, async (f) => {
        const { nb, config } = notebooks.get(f)!;
        const ref = reference?.runs.get(f);
        const r = await runNotebook(f, nb, {
          timeout: o.timeout ?? config.timeout,
          config,
          update: o.update,
          compare,
          env: kernelEnv,
          onEvent: show?.listener(f),
          kernelName: kernel,
          reference: reference && ref ? { kernel: reference.kernel, notebook: ref.executed } : undefined,
        });
        show?.done(f);
        if (r.passed && o.update) writeNotebook(f, r.executed);
        if (!r.passed) {
          const copy = path.join(o.failedDir, tag ? `${path.basename(f, '.ipynb')}.${kernel}.ipynb` : path.basename(f));
          fs.mkdirSync(o.failedDir, { recursive: true });
          writeFileAtomic(copy, serializeNotebook(r.executed));
          say(report(r, o.update, tag) + `\n  executed copy: ${path.relative(process.cwd(), copy)}`);
        } else {
          say(report(r, o.update, tag));
        }
        results.push(r);
      });
      const failed = results.find((r) => !r.passed && stage.includes(r.file));
      if (failed) blockedBy = path.basename(failed.file);
    }
    return results;
  };

  let results: NotebookResult[];
  if (o.reference) {
    log(`running every notebook on ${o.reference}, then on ${o.kernel}, comparing the ${o.kernel} outputs with the ${o.reference} ones`);
    if (o.kernel === 'deno' || o.reference === 'deno') log(`normalized (Deno's kernel to tslab's):\n${DENO_NORMALIZATIONS.map((n) => `  - ${n}`).join('\n')}`);
    const first = await runAll(o.reference, null);
    if (first.some((r) => !r.passed)) {
      log(`the ${o.reference} run failed: nothing to compare ${o.kernel} with`);
      results = first;
    } else {
      // Each notebook counts once: it passes when its second run matched the first. The first
      // run's outputs name its own files where the profile keeps the kernels' apart ({kernel}).
      const profileOf = (f: string) => (o.profile ? loadConfig(path.dirname(f)).profiles[o.profile] ?? {} : {});
      const runs = new Map(first.map((r) => [r.file, { ...r, executed: renameKernelFiles(r.executed, kernelFileRenames(profileOf(r.file), o.reference!, o.kernel)) }]));
      results = await runAll(o.kernel, { kernel: o.reference, runs });
    }
  } else {
    results = await runAll(o.kernel, null);
  }
  if (o.junit) writeFileAtomic(o.junit, toJUnit(results));
  const passed = results.filter((r) => r.passed).length;
  log(`${passed} passed, ${results.length - passed} failed`);
  return results.length - passed ? 1 : 0;
}

if (require.main === module) {
  const progress = new Progress((s) => process.stderr.write(s), { tty: Boolean(process.stderr.isTTY), columns: process.stderr.columns });
  runCli(process.argv.slice(2), console.log, process.env, progress).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
