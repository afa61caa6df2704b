/**
 * `sprint-gan train`: trains a generator into a run folder through the
 * generator interface (lib/generators): `--model acgan` (the default), the
 * DP AC-GAN, or `--model markov`, the Markov-Gaussian release. Options of one
 * model given with the other are refused (exit 2), never ignored.
 */
import type { Command } from '../main';
import { numberOption, parseCommandArgs, usageError } from '../options';

const help = `Usage: sprint-gan train [--model acgan|markov] [options]

Trains a generator on the training patients into a run folder ('sprint-gan
sample --run DIR' then writes synthetic patients from it).

  --model acgan|markov   the generator (default acgan):
      acgan    the paper's AC-GAN, differentially private SGD on the
               discriminator (Poisson sampling, per-example clipping, Gaussian
               noise): per-epoch generator checkpoints (TF.js format),
               history.json (losses, epsilon), the training state for --resume
      markov   the Markov-Gaussian: per-arm chains of the medication count and
               a conditional Gaussian of the blood pressure, released once with
               two Gaussian mechanisms (seconds); the private generator the
               utility benchmark recommends (docs/private-utility.md). Its run
               folder holds only the public model and can be shared

Options of every model:
  --out DIR              run folder (default runs/gan, runs/markov); --prefix DIR is an alias
  --seed S               seed of everything (default 0)
  --data DIR             SPRINT-format folder (baseline.csv, bp.csv); default
                         SPRINT_DATA_DIR, else the embedded synthetic cohort
  --train-size N         training patients (default 6000 or the paper's share)
  --target-epsilon E     acgan: stop before an epoch would spend more than E;
                         markov: the release's epsilon (default 1.6), the noise
                         calibrated to it
  --delta D              delta of the reported epsilon (default 1e-5)
  --resume               continue the unfinished run in --out (a finished
                         markov release is returned as it is)
  --force                delete an existing run in --out and start over
  --quiet                no progress bar
  -h, --help             this text

Options of --model acgan (dp_gan.py's flags first; defaults = the paper's settings):
  --noise SIGMA          noise multiplier (default 1.0; 0 with --clip inf: non-private)
  --clip C               per-example clip norm (default 1e-4; 'inf' for none)
  --clip-generated       clip each generated row's gradient at C too (no
                         privacy role: keeps unclipped generated rows from
                         dominating D's update when real rows are clipped hard)
  --epochs N             epochs (default 500)
  --lr LR                Adam learning rate (default 2e-5)
  --g-lr LR              the generator's own learning rate (default: --lr); a
                         generator slower than the discriminator lets D keep up
  --beta1 B1             Adam's first-moment decay (default 0.5, the paper's)
  --batch-size B         expected real patients per step, mode batched (default 64)
  --mode paper|batched   paper: batch 1, q = 1/N (default); batched: q = B/N
  --steps-per-epoch N    steps an epoch (default N/B)
  --per-example ghost|loop  per-example gradient method (default ghost)
  --chunks K             cut each batch into K chunks (a power of two, mode
                         batched) whose clipped gradient sums are computed
                         apart, on every core (SPRINT_THREADS), and added in a
                         fixed order: the numbers depend on K, never on the
                         threads (default 1: one program a batch, one thread)
  --arch paper|compact|tiny  model size (default paper; compact: the paper's
                         generator with an 8,579-weight discriminator, which
                         carries ~15x less DP noise per unit of signal; tiny:
                         smoke tests only)
  --d-deviation          the discriminator also sees each value minus the
                         patient's mean over the visits (default off, the
                         paper's): generated patients then keep their
                         medication count and level from visit to visit
  --d-dropout R          the discriminator's dropout rate, 0 <= R < 1 (default
                         0.3, the paper's)
  --embedding-init glorot|ones  initial arm embedding of the generator (default
                         glorot, the paper's: its first patients all lie
                         within ~1 mmHg; ones starts at a ~9 mmHg spread)
  --scaling max|sprint   the space the GAN trains in (default max, the paper's
                         raw / column maximum; sprint: (raw - center) / scale
                         with fixed constants from the SPRINT publications, so
                         real patients sit near 0 with spread near 1)
  --diversity W          weight of the generator's diversity term (default 0,
                         the paper's loss): pairs of generated patients of one
                         arm are rewarded for differing, against mode collapse
  --diversity-cap T      the term's cap (default 1.5; real same-arm pairs: 1.63
                         with --scaling sprint, 0.18 with max)
  --d-aux all|real       rows the discriminator's arm head learns from (default
                         all, the paper's AC-GAN; real: real rows only)
  --g-aux W              weight of the arm loss in the generator's loss
                         (default 1, the paper's)
  --backend NAME         tensorflow-gpu, tensorflow, webgpu, wasm or cpu
                         (default: best available, webgpu only on a hardware
                         adapter; also SPRINT_BACKEND)

Options of --model markov (defaults: the tuned ones, chosen on separate
simulated cohorts):
  --table-share F        share of the budget (of 1/sigma^2) spent on the
                         medication tables, 0 < F < 1 (default 0.5)
  --tables-noise S       set the two noise multipliers yourself instead of
  --moments-noise S      calibrating them (both; with --target-epsilon, a
                         release that would exceed it is refused)
  --non-private          the exact model (no noise, no clipping; for reference)

Examples:
  sprint-gan train --model markov --target-epsilon 1.6 --out runs/markov   # the recommended private generator
  sprint-gan train --mode batched --batch-size 32 --epochs 2 --steps-per-epoch 20 \\
    --train-size 600 --noise 1.1 --clip 1 --lr 1e-3 --out runs/quick        # a quick private AC-GAN`;

/** Options every model takes. */
const SHARED_OPTIONS = {
  model: { type: 'string' },
  out: { type: 'string' },
  prefix: { type: 'string' },
  seed: { type: 'string' },
  data: { type: 'string' },
  'train-size': { type: 'string' },
  'target-epsilon': { type: 'string' },
  delta: { type: 'string' },
  resume: { type: 'boolean' },
  force: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

/** Options of --model acgan only. */
const ACGAN_OPTIONS = {
  noise: { type: 'string' },
  clip: { type: 'string' },
  'clip-generated': { type: 'boolean' },
  epochs: { type: 'string' },
  lr: { type: 'string' },
  'g-lr': { type: 'string' },
  beta1: { type: 'string' },
  'batch-size': { type: 'string' },
  mode: { type: 'string' },
  'steps-per-epoch': { type: 'string' },
  'per-example': { type: 'string' },
  chunks: { type: 'string' },
  arch: { type: 'string' },
  'embedding-init': { type: 'string' },
  'd-deviation': { type: 'boolean' },
  'd-dropout': { type: 'string' },
  scaling: { type: 'string' },
  diversity: { type: 'string' },
  'diversity-cap': { type: 'string' },
  'd-aux': { type: 'string' },
  'g-aux': { type: 'string' },
  backend: { type: 'string' },
} as const;

/** Options of --model markov only. */
const MARKOV_OPTIONS = {
  'table-share': { type: 'string' },
  'tables-noise': { type: 'string' },
  'moments-noise': { type: 'string' },
  'non-private': { type: 'boolean' },
} as const;

/** The models `train` trains, the default first. */
export const TRAIN_MODELS = ['acgan', 'markov'] as const;
type TrainModel = (typeof TRAIN_MODELS)[number];

type Values = ReturnType<typeof parseOptions>;

/** train's options, every model's (also what a sweep's grid may set: lib/sweep/grid.ts). */
export const TRAIN_OPTIONS = { ...SHARED_OPTIONS, ...ACGAN_OPTIONS, ...MARKOV_OPTIONS };

function parseOptions(argv: string[]) {
  return parseCommandArgs(argv, TRAIN_OPTIONS);
}

/** The model asked for; throws when it is not one of TRAIN_MODELS or an option of the other model is given. */
function chosenModel(values: Values): TrainModel {
  const model = values.model ?? 'acgan';
  if (model === 'gaussian') throw new Error("--model: the private Gaussian baseline has its own command, 'sprint-gan gaussian' (train takes acgan or markov)");
  if (!(TRAIN_MODELS as readonly string[]).includes(model)) throw new Error(`--model: expected ${TRAIN_MODELS.join(' or ')}, got '${model}'`);
  const foreign = Object.keys(model === 'markov' ? ACGAN_OPTIONS : MARKOV_OPTIONS).filter((k) => (values as Record<string, unknown>)[k] !== undefined);
  if (foreign.length > 0) {
    const other = model === 'markov' ? 'acgan' : 'markov';
    const list = foreign.map((k) => `--${k}`).join(', ');
    throw new Error(`${list} ${foreign.length === 1 ? 'is an option' : 'are options'} of --model ${other}, not of --model ${model}${model === 'acgan' && values.model === undefined ? ' (the default)' : ''}; remove ${foreign.length === 1 ? 'it' : 'them'} or choose --model ${other}`);
  }
  return model as TrainModel;
}

export const command: Command = {
  summary: 'Train a generator: the DP AC-GAN (default) or the Markov-Gaussian (--model markov)',
  help,
  async run(argv: string[]): Promise<number> {
    let values: Values;
    let model: TrainModel;
    try {
      values = parseOptions(argv);
      model = chosenModel(values);
    } catch (err) {
      return usageError('train', err, help);
    }
    return model === 'markov' ? trainMarkov(values) : trainAcgan(values);
  },
};

/** `--model acgan`: the DP AC-GAN, through the generator interface. */
async function trainAcgan(values: Values): Promise<number> {
  // Loaded here so `--help` stays instant.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { selectBackend } = require('../../lib/compute/index') as typeof import('../../lib/compute/index');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const data = require('../../lib/data/index') as typeof import('../../lib/data/index');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { acgan, namedArchitecture, progressBar } = require('../../lib/generators/acgan/index') as typeof import('../../lib/generators/acgan/index');
  const mode = (values.mode ?? 'paper') as 'paper' | 'batched';
  if (mode !== 'paper' && mode !== 'batched') throw new Error(`--mode: expected paper or batched, got '${values.mode}'`);
  const perExample = (values['per-example'] ?? 'ghost') as 'ghost' | 'loop';
  if (perExample !== 'ghost' && perExample !== 'loop') throw new Error(`--per-example: expected ghost or loop`);
  const embeddingInit = values['embedding-init'] ?? 'glorot';
  if (embeddingInit !== 'glorot' && embeddingInit !== 'ones') throw new Error(`--embedding-init: expected glorot or ones, got '${embeddingInit}'`);
  let scaling: ReturnType<typeof data.namedScaling>;
  try {
    scaling = data.namedScaling(values.scaling ?? 'max');
  } catch (e) {
    throw new Error(`--scaling: ${(e as Error).message}`);
  }
  const dAux = values['d-aux'] ?? 'all';
  if (dAux !== 'all' && dAux !== 'real') throw new Error(`--d-aux: expected all or real, got '${dAux}'`);
  const named = namedArchitecture(values.arch ?? 'paper');
  const architecture = { ...named, dropout: numberOption('d-dropout', values['d-dropout']) ?? named.dropout, gEmbeddingInit: embeddingInit === 'ones' ? 'ones' : 'glorotNormal', dDeviation: values['d-deviation'] ?? false } as const;
  await selectBackend({ backend: values.backend, training: true, log: (l) => console.error(l) });
  const cohorts = data.loadTrainingData({ dir: values.data, trainSize: numberOption('train-size', values['train-size']) });
  const result = await acgan.train({
    out: values.out ?? values.prefix ?? 'runs/gan',
    train: cohorts.train,
    holdout: cohorts.holdout,
    dataSource: cohorts.source,
    dataKind: cohorts.kind,
    mode,
    epochs: numberOption('epochs', values.epochs),
    batchSize: mode === 'batched' ? (numberOption('batch-size', values['batch-size']) ?? 64) : numberOption('batch-size', values['batch-size']),
    stepsPerEpoch: numberOption('steps-per-epoch', values['steps-per-epoch']),
    learningRate: numberOption('lr', values.lr),
    generatorLearningRate: numberOption('g-lr', values['g-lr']),
    beta1: numberOption('beta1', values.beta1),
    noiseMultiplier: numberOption('noise', values.noise),
    clipNorm: numberOption('clip', values.clip, { infinity: true }),
    clipGenerated: values['clip-generated'],
    delta: numberOption('delta', values.delta),
    targetEpsilon: numberOption('target-epsilon', values['target-epsilon']) ?? null,
    seed: numberOption('seed', values.seed),
    perExample,
    chunks: numberOption('chunks', values.chunks),
    architecture,
    scaling,
    diversityWeight: numberOption('diversity', values.diversity),
    diversityCap: numberOption('diversity-cap', values['diversity-cap']),
    auxOnGenerated: dAux === 'all',
    generatorAuxWeight: numberOption('g-aux', values['g-aux']),
    resume: values.resume,
    force: values.force,
    onProgress: values.quiet ? undefined : progressBar(process.stderr),
    log: (l) => console.error(l),
  });
  const last = result.history[result.history.length - 1];
  console.log(
    JSON.stringify({
      out: result.out,
      model: 'acgan',
      epochs: result.checkpoint.epoch,
      stopReason: result.checkpoint.stopReason,
      epsilon: last?.epsilon ?? null,
      delta: last?.delta ?? null,
      message: result.checkpoint.message,
    }),
  );
  return 0;
}

/** `--model markov`: the Markov-Gaussian release, through the generator interface. */
async function trainMarkov(values: Values): Promise<number> {
  const tablesNoise = numberOption('tables-noise', values['tables-noise']);
  const momentsNoise = numberOption('moments-noise', values['moments-noise']);
  if ((tablesNoise === undefined) !== (momentsNoise === undefined)) throw new Error('give both --tables-noise and --moments-noise, or neither (then --target-epsilon sets them).');
  const targetEpsilon = numberOption('target-epsilon', values['target-epsilon']);
  if (values['non-private'] && (tablesNoise !== undefined || targetEpsilon !== undefined)) throw new Error('--non-private takes no noise or epsilon settings.');
  const tableShare = numberOption('table-share', values['table-share']);
  if (tableShare !== undefined && !(tableShare > 0 && tableShare < 1)) throw new Error(`--table-share: expected a number in (0, 1), got '${values['table-share']}'`);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const data = require('../../lib/data/index') as typeof import('../../lib/data/index');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { markov } = require('../../lib/generators/markov/family') as typeof import('../../lib/generators/markov/family');
  const cohorts = data.loadTrainingData({ dir: values.data, trainSize: numberOption('train-size', values['train-size']) });
  const result = await markov.train({
    out: values.out ?? values.prefix ?? 'runs/markov',
    train: cohorts.train,
    dataSource: cohorts.source,
    dataKind: cohorts.kind,
    targetEpsilon: targetEpsilon ?? null,
    delta: numberOption('delta', values.delta),
    seed: numberOption('seed', values.seed),
    tableShare,
    noise: tablesNoise !== undefined ? { tables: tablesNoise, moments: momentsNoise as number } : undefined,
    nonPrivate: values['non-private'],
    resume: values.resume,
    force: values.force,
    log: (l) => console.error(l),
  });
  const { summary } = result;
  console.log(
    JSON.stringify({
      out: result.out,
      model: 'markov',
      epochs: summary.epoch,
      stopReason: 'completed',
      epsilon: summary.epsilon,
      delta: summary.delta,
      message: null,
    }),
  );
  return 0;
}
