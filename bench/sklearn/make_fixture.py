"""Generate the seeded, SPRINT-shaped two-class fixture used by test/eval.

Benchmark/fixture tooling only: nothing in lib/ or test/ runs Python.

Each row is one simulated patient: 36 features laid out like the cohort
contract (lib/data/cohort.ts), [measure][visit] with measures SBP, DBP,
N_BPCLASSES and 12 visits, normalized by fixed maxima (250, 150, 6) and
rounded to 4 decimals; the last column is the arm (0 standard, 1 intensive).
The arms overlap on purpose (per-patient response to treatment varies) so
that classifiers reach ~0.8-0.9 accuracy, not 1.0.

Usage (Debian's python3, numpy only):
  /usr/bin/python3 bench/sklearn/make_fixture.py --seed 6 --n-train 2000 \
      --n-test 500 --out test/eval/fixtures/arm
writes <out>-train.csv and <out>-test.csv.
"""
import argparse

import numpy as np

VISIT_MONTHS = np.array([0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27], dtype=float)
MAXIMA = np.array([250.0, 150.0, 6.0])


def simulate(rng, n):
    arm = rng.integers(0, 2, n)
    sbp0 = rng.normal(140, 15, n)
    dbp0 = 0.45 * sbp0 + rng.normal(15, 9, n)
    classes0 = np.clip(rng.poisson(1.8, n), 0, 6)
    # How strongly this patient follows the arm's target (overlap between arms).
    response = np.clip(rng.normal(1.0, 0.6, n), -0.5, 2.5)
    ramp = 1 - np.exp(-VISIT_MONTHS / 2.0)  # 0 at RZ, ~1 after 6 months
    drop_std = 8.0
    drop_int = drop_std + 12.0 * response
    drop = np.where(arm == 1, drop_int, drop_std)[:, None] * ramp[None, :]
    sbp = sbp0[:, None] - drop + rng.normal(0, 9, (n, 12))
    dbp = dbp0[:, None] - 0.5 * drop + rng.normal(0, 6, (n, 12))
    extra = np.where(arm == 1, 0.9 * np.clip(response, 0, None), 0.3)[:, None] * ramp[None, :]
    classes = np.clip(np.rint(classes0[:, None] + extra + rng.normal(0, 0.6, (n, 12))), 0, 6)
    raw = np.stack([np.rint(sbp), np.rint(dbp), classes], axis=1)  # [n, 3, 12]
    raw = np.clip(raw, 0, MAXIMA[None, :, None])
    x = np.round(raw / MAXIMA[None, :, None], 4).reshape(n, 36)
    return x, arm


def write(path, x, y):
    header = ",".join([f"f{j}" for j in range(x.shape[1])] + ["y"])
    with open(path, "w") as f:
        f.write(header + "\n")
        for row, label in zip(x, y):
            f.write(",".join(f"{v:.4f}".rstrip("0").rstrip(".") if v != 0 else "0" for v in row))
            f.write(f",{int(label)}\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=6)
    p.add_argument("--n-train", type=int, default=2000)
    p.add_argument("--n-test", type=int, default=500)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    x, y = simulate(rng, a.n_train + a.n_test)
    write(a.out + "-train.csv", x[: a.n_train], y[: a.n_train])
    write(a.out + "-test.csv", x[a.n_train:], y[a.n_train:])


if __name__ == "__main__":
    main()
