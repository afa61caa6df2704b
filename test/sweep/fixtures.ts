/**
 * The tiny grid of the sweep tests that run real processes (cli.test.ts,
 * slurm-cluster.test.ts): each run a few seconds of CPU, its 4 epochs long
 * enough (30 steps each) for a test to kill a run between two of them.
 */
import * as fs from 'node:fs';

export function tinyGrid(noise: number[], seeds: number[]) {
  return {
    train: { arch: 'tiny', mode: 'batched', 'batch-size': 16, 'train-size': 200, 'steps-per-epoch': 30, epochs: 4, clip: 1, lr: 0.001, noise, backend: 'wasm' },
    seeds,
    sample: { n: 300 },
    evaluate: { classifiers: 'forest' },
  };
}

/** A whole tiny sweep may take minutes on two shared cores: the CLI helper's kill-after for `sweep run`. */
export const SWEEP_KILL_AFTER_MS = 360_000;

/** checkpoint.json of a run folder (null before the first epoch is committed). */
export function readCheckpoint(file: string): { epoch: number; finished: boolean } | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}
