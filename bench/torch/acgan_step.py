#!/usr/bin/python3
"""PyTorch baseline for bench/gan.ts (issue 8): the same DP AC-GAN step and
generator as lib/generators/acgan, timed on CPU, printed as one JSON object.

Benchmark baseline only, never a test or runtime dependency of the project.
Runs with Debian's python3-torch (1.13; `apt-get install python3-torch`) and
Debian's /usr/bin/python3:

    /usr/bin/python3 bench/torch/acgan_step.py [--threads 2] [--reps 5] [--batches 1,64] [--n-generate 6000]

The models follow lib/generators/acgan/models.ts (the paper's dp_gan.py), channels-first
as PyTorch wants, TF 'same' padding reproduced exactly (asymmetric where TF
pads asymmetrically):

  G: z[100] * Embedding(2,100)[arm] -> Linear 256 relu -> Linear 384 relu
     -> reshape 3x4x32 (channels-last order, as ours) -> upsample nearest (2,6)
     -> Conv 5x5 256 'same' relu -> Conv 4x4 stride 2 1 'same' -> [3,12,1]
  D: [1,3,12] -> Conv 3x3 s2 32 'same' lrelu(0.2) drop 0.3 -> Conv 3x3 64
     'same' lrelu drop -> flatten (channels-last order) -> Linear 1024 relu
     drop -> Linear 1024 relu -> real/fake logit, arm logits (2)

One training step, as lib/generators/acgan/train.ts:
  1. D update: B real rows (Poisson-sampled in training; a fixed B here) and
     B generated rows (G forward, no grad). Per-example gradients of the real
     rows' losses (BCE + arm CE) by functorch vmap(grad) (the fastest
     per-example method this torch offers; `--per-example loop` for a loop),
     each clipped to C, summed, plus the generated rows' summed gradient (one
     backward), Gaussian noise N(0, (sigma C)^2) on every coordinate, divided
     by 2B, Adam (lr 2e-5, betas (0.5, 0.999), eps 1e-7).
  2. G update: 2B fresh noise vectors through G and D (dropout active, D's
     weights not updated), targets all "real" + arm CE, mean loss, Adam.
Generation: n patients from uniform z and random arms, in chunks of 1000
(lib/generators/acgan/sample.ts's default), no grad.

Timings are medians over --reps repetitions after one warm-up (--warmup for
steps at batch <= 8), in ms.
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils._per_sample_grad import call_for_per_sample_grads

LATENT = 100
CLASSES = 2


def same_pad(size, k, s):
    """TF 'same' padding (before, after) along one axis."""
    out = math.ceil(size / s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(CLASSES, LATENT)
        self.d1 = nn.Linear(LATENT, 256)
        self.d2 = nn.Linear(256, 384)
        self.c1 = nn.Conv2d(32, 256, 5)
        self.c2 = nn.Conv2d(256, 1, 4, stride=2)
        self.pad1 = same_pad(6, 5, 1) + same_pad(24, 5, 1)  # (top, bottom, left, right)
        self.pad2 = same_pad(6, 4, 2) + same_pad(24, 4, 2)

    def forward(self, z, arms):
        h = z * self.emb(arms)
        h = F.relu(self.d1(h))
        h = F.relu(self.d2(h))
        h = h.view(-1, 3, 4, 32).permute(0, 3, 1, 2)  # channels-last reshape, as ours
        h = F.interpolate(h, scale_factor=(2, 6), mode="nearest")
        t, b, l, r = self.pad1
        h = F.relu(self.c1(F.pad(h, (l, r, t, b))))
        t, b, l, r = self.pad2
        h = self.c2(F.pad(h, (l, r, t, b)))
        return h  # [B, 1, 3, 12]


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, stride=2)
        self.c2 = nn.Conv2d(32, 64, 3)
        self.d1 = nn.Linear(2 * 6 * 64, 1024)
        self.d2 = nn.Linear(1024, 1024)
        self.real = nn.Linear(1024, 1)
        self.arm = nn.Linear(1024, CLASSES)
        self.pad1 = same_pad(3, 3, 2) + same_pad(12, 3, 2)
        self.pad2 = same_pad(2, 3, 1) + same_pad(6, 3, 1)

    def forward(self, x, masks=None):
        """`masks`: (conv1, conv2, dense1) inverted-dropout masks (per-example
        gradients under vmap take them as inputs, as lib/generators/acgan does); None:
        F.dropout."""
        drop = (lambda h, i: h * masks[i]) if masks is not None else (lambda h, i: F.dropout(h, 0.3, self.training))
        t, b, l, r = self.pad1
        h = F.leaky_relu(self.c1(F.pad(x, (l, r, t, b))), 0.2)
        h = drop(h, 0)
        t, b, l, r = self.pad2
        h = F.leaky_relu(self.c2(F.pad(h, (l, r, t, b))), 0.2)
        h = drop(h, 1)
        h = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)  # channels-last flatten, as ours
        h = drop(F.relu(self.d1(h)), 2)
        h = F.relu(self.d2(h))
        return self.real(h).squeeze(-1), self.arm(h)


def losses(logit, arm_logits, target, arms):
    gen = F.binary_cross_entropy_with_logits(logit, target, reduction="none")
    aux = F.cross_entropy(arm_logits, arms, reduction="none")
    return gen + aux


class Step:
    def __init__(self, per_example):
        self.G = Generator()
        self.D = Discriminator()
        self.G.train()
        self.D.train()
        self.optD = torch.optim.Adam(self.D.parameters(), lr=2e-5, betas=(0.5, 0.999), eps=1e-7)
        self.optG = torch.optim.Adam(self.G.parameters(), lr=2e-5, betas=(0.5, 0.999), eps=1e-7)
        self.clip = 1e-4
        self.sigma = 1.0
        self.per_example = per_example
        self.d_params = list(self.D.parameters())
        if per_example == "vmap":
            from functorch import grad, make_functional, vmap

            fmodel, _ = make_functional(self.D)

            def one_loss(params, x, arm, m1, m2, m3):
                masks = (m1.unsqueeze(0), m2.unsqueeze(0), m3.unsqueeze(0))
                logit, arm_logits = fmodel(params, x.unsqueeze(0), masks)
                return losses(logit, arm_logits, torch.ones(1), arm.unsqueeze(0)).sum()

            # Each example its own dropout mask (drawn outside: this torch's
            # vmap cannot draw different in-place randomness per example).
            self.per_example_grads = vmap(grad(one_loss), in_dims=(None, 0, 0, 0, 0, 0))

    def real_grads(self, x, arms):
        """Per-example gradients of the real rows: list of [B, *shape] tensors."""
        if self.per_example == "expanded":
            # ExpandedWeights (torch.nn.utils._per_sample_grad, the Opacus
            # approach in core torch): per-sample grads from one backward pass.
            for p in self.d_params:
                p.grad_sample = None
            B = x.shape[0]
            logit, arm_logits = call_for_per_sample_grads(self.D, batch_size=B, loss_reduction="sum")(x)
            losses(logit, arm_logits, torch.ones(B), arms).sum().backward()
            out = [p.grad_sample for p in self.d_params]
            for p in self.d_params:
                p.grad_sample = None
                p.grad = None
            return out
        if self.per_example == "vmap":
            params = tuple(p.detach() for p in self.d_params)
            B = x.shape[0]
            keep = lambda *shape: torch.bernoulli(torch.full((B, *shape), 0.7)) / 0.7
            masks = (keep(32, 2, 6), keep(64, 2, 6), keep(1024))
            return list(self.per_example_grads(params, x, arms, *masks))
        rows = []
        for i in range(x.shape[0]):
            logit, arm_logits = self.D(x[i : i + 1])
            loss = losses(logit, arm_logits, torch.ones(1), arms[i : i + 1]).sum()
            rows.append(torch.autograd.grad(loss, self.d_params))
        return [torch.stack(g) for g in zip(*rows)]

    def __call__(self, real_x, real_arms, B):
        # ---- D: B generated rows (no grad), B real rows.
        with torch.no_grad():
            z = torch.rand(B, LATENT) * 2 - 1
            fake_arms = torch.randint(0, CLASSES, (B,))
            fake = self.G(z, fake_arms)
        per = self.real_grads(real_x, real_arms)
        self.optD.zero_grad(set_to_none=True)
        norms = torch.sqrt(sum(g.reshape(B, -1).pow(2).sum(1) for g in per))
        factor = torch.clamp(self.clip / (norms + 1e-30), max=1.0)
        clipped = [torch.einsum("b,b...->...", factor, g) for g in per]
        logit, arm_logits = self.D(fake)
        losses(logit, arm_logits, torch.zeros(B), fake_arms).sum().backward()
        std = self.sigma * self.clip
        with torch.no_grad():
            for p, c in zip(self.d_params, clipped):
                p.grad.add_(c).add_(torch.randn_like(p), alpha=std).div_(2 * B)
        self.optD.step()
        # ---- G: 2B noise vectors through the (not updated) D.
        self.optG.zero_grad(set_to_none=True)
        z = torch.rand(2 * B, LATENT) * 2 - 1
        arms = torch.randint(0, CLASSES, (2 * B,))
        logit, arm_logits = self.D(self.G(z, arms))
        losses(logit, arm_logits, torch.ones(2 * B), arms).mean().backward()
        self.optG.step()
        # D's grads from the G pass are discarded (zero_grad before D's next step).


def check():
    """Per-example gradients: expanded and vmap vs the loop (no dropout)."""
    torch.manual_seed(1)
    x = torch.rand(5, 1, 3, 12)
    arms = torch.randint(0, CLASSES, (5,))
    ref = Step("loop")
    ref.D.eval()
    want = ref.real_grads(x, arms)
    for m in ["expanded", "vmap"]:
        st = Step(m)
        st.D.load_state_dict(ref.D.state_dict())
        st.D.eval()
        if m == "vmap":
            ones = lambda *shape: torch.ones(5, *shape)
            got = st.per_example_grads(tuple(p.detach() for p in st.d_params), x, arms, ones(32, 2, 6), ones(64, 2, 6), ones(1024))
        else:
            got = st.real_grads(x, arms)
        err = max(float((g - w).abs().max() / w.abs().max().clamp(min=1e-30)) for g, w in zip(got, want))
        print(f"{m}: max relative difference to the loop {err:.2e}")
        assert err < 1e-4, m


def median_ms(fn, reps, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1, help="untimed calls before the timed ones (steps at batch <= 8)")
    ap.add_argument("--batches", default="1,64")
    ap.add_argument("--n-generate", type=int, default=6000)
    ap.add_argument(
        "--per-example",
        choices=["auto", "expanded", "loop", "vmap"],
        default="auto",
        help="per-example gradient method; auto: time expanded and loop, report the faster",
    )
    ap.add_argument("--check", action="store_true", help="check that the methods' per-example gradients agree, then exit")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    out = {
        "torch": torch.__version__,
        # Debian's python3-torch (under /usr/lib/python3/dist-packages) links a generic BLAS.
        "debian_build": torch.__file__.startswith("/usr/lib/python3/"),
        "threads": torch.get_num_threads(),
        "per_example": args.per_example,
        "reps": args.reps,
    }
    if args.check:
        check()
        return
    methods = ["expanded", "loop"] if args.per_example == "auto" else [args.per_example]
    steps = {m: Step(m) for m in methods}
    step = steps[methods[0]]
    for B in [int(b) for b in args.batches.split(",") if b]:
        real_x = torch.rand(B, 1, 3, 12)
        real_arms = torch.randint(0, CLASSES, (B,))
        reps = args.reps if B <= 8 else max(2, args.reps // 2)
        best = None
        for m, st in steps.items():
            med, times = median_ms(lambda: st(real_x, real_arms, B), reps, args.warmup if B <= 8 else 1)
            out[f"step_b{B}_{m}_ms"] = med
            out[f"step_b{B}_{m}_all_ms"] = times
            if best is None or med < best[0]:
                best = (med, m)
        out[f"step_b{B}_ms"] = best[0]
        out[f"step_b{B}_method"] = best[1]
    if args.n_generate > 0:
        G = step.G
        G.eval()
        n = args.n_generate

        def gen():
            with torch.no_grad():
                for start in range(0, n, 1000):
                    m = min(1000, n - start)
                    z = torch.rand(m, LATENT) * 2 - 1
                    arms = torch.randint(0, CLASSES, (m,))
                    G(z, arms).numpy()

        med, times = median_ms(gen, max(2, args.reps // 2))
        out[f"generate_{n}_ms"] = med
        out[f"generate_{n}_all_ms"] = times
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
