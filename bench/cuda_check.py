#!/usr/bin/env python
"""The PyTorch experiments on CUDA against the CPU: the same runs on both devices, compared and timed.

    python bench/cuda_check.py [--json FILE]

Needs a GPU (exits with status 2 without one). Every comparison runs in float64 from the same start, so the
two devices may differ only by rounding; the timings are wall-clock seconds after one warm-up, synchronised.

* net (2), the known-basis net (Figs. 1, 2, 10, 11): a batched learning-rate sweep with the exact sharpness,
  and the time per step at one learning rate (launch-bound on a GPU, which is why the figures run it on the CPU);
* net (7), the two-layer net on sparse coding (Figs. 3a, 6): GD, then the top Hessian eigenvalue by Lanczos;
* ResNet-18 (Figs. 3b, 7, 8): full-batch GD at width 8 for agreement; for speed, one SGD step of the paper's
  width-64 net at batch 1000 and one full-batch GD step over 10 000 images (chunks of 1000) in float32, from
  which the ``--full`` presets' training time is estimated.

Exits with status 1 if a comparison is off by more than its tolerance.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import torch

from eos.figures._nn_runs import RESNET_GD, RESNET_SGD, TWO_LAYER
from eos.nn import (
    KnownBasisObjective,
    ResNet18,
    Sharpness,
    TwoLayerNet,
    gd_known_basis,
    known_basis_init,
    logistic_loss,
    median_bias,
    sparse_coding,
    train,
)


def timed(fn, device: torch.device):
    """(result, wall seconds) of fn(), synchronising a CUDA device before and after."""
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    out = fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return out, time.perf_counter() - start


def rel_diff(a, b) -> float:
    """max |a − b| / max |b| over all entries."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def known_basis(device):
    """Net (2) in the Fig. 1 setting: 16 learning rates × 2 000 steps, sharpness every 100 steps."""
    data = sparse_coding(300, 200, 3.0, n_test=2000, seed=0, dtype="float64", device=device)
    obj, test = KnownBasisObjective(data.x, data.y), KnownBasisObjective(data.x_test, data.y_test)
    eta = np.geomspace(2.5e-4, 2.5e-2, 16)
    run = gd_known_basis(obj, known_basis_init(200), eta, 2000, record_every=100, sharpness=True, test=test)
    return {"theta": run.theta, "sharpness": run.record_sharpness, "loss": run.record_loss}


def known_basis_step(device, steps=3000):
    """Seconds per GD step of net (2) at one learning rate (the shape of Figs. 2 and 10), no records."""
    data = sparse_coding(300, 200, 3.0, seed=0, dtype="float64", device=device)
    obj, theta0 = KnownBasisObjective(data.x, data.y), known_basis_init(200)
    gd_known_basis(obj, theta0, [2.5e-3], 10)  # warm-up
    _, sec = timed(lambda: gd_known_basis(obj, theta0, [2.5e-3], steps), device)
    return sec / steps


def two_layer(device, dtype="float64", preset="quick", sharpness=True):
    """Net (7): 30 GD steps at lr 0.1 (App. A.1), then the top Hessian eigenvalue (40 Lanczos steps)."""
    s = TWO_LAYER[preset]
    data = sparse_coding(s["n"], s["d"], s["lam"], seed=0, dtype=dtype, device=device)
    model = TwoLayerNet(s["d"], s["m"], seed=0).to(device, data.x.dtype)
    rec = train(model, data.x, data.y, lr=0.1, steps=s["steps"], criterion="logistic",
                param_stats=lambda m: {"bias": float(m.b.mean())})
    out = {"loss": rec["loss"], "bias": rec["bias"]}
    if sharpness:
        out["sharpness"] = Sharpness(iters=40).of_model(model, data.x, data.y, logistic_loss).cpu().numpy()
    return out


def resnet_agreement(device):
    """Width-8 ResNet-18 (one logit), 5 full-batch GD steps at lr 0.1 on 256 fixed random images, float64."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(256, 3, 32, 32, generator=gen, dtype=torch.float64)
    y = (torch.randint(0, 2, (256,), generator=gen) * 2 - 1).to(torch.float64)
    x[:, 0] += 0.5 * y[:, None, None]  # a class signal in one channel, so that the loss moves
    model = ResNet18(1, 8, seed=0).to(device, torch.float64)
    rec = train(model, x.to(device), y.to(device), lr=0.1, steps=5, criterion="logistic",
                param_stats=lambda m: {"median_bias": median_bias(m)})
    return {"loss": rec["loss"], "avg_output": rec["avg_output"], "median_bias": rec["median_bias"]}


def resnet_speed(device, n, batch, chunk, classes=10):
    """Seconds per step of width-64 ResNet-18 in float32: one step on ``batch`` of ``n`` random images."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, 3, 32, 32, generator=gen).to(device)
    y = torch.randint(0, classes, (n,), generator=gen).to(device)
    if classes == 1:
        y = (2 * y - 1).float()
    model = ResNet18(classes, 64, seed=0).to(device)
    crit = "logistic" if classes == 1 else "cross_entropy"
    kw = {"batch_size": batch if batch < n else None, "chunk_size": chunk}
    train(model, x, y, lr=0.01, steps=1, criterion=crit, **kw)  # warm-up: cuDNN picks its algorithms
    _, sec = timed(lambda: train(model, x, y, lr=0.01, steps=3, criterion=crit, **kw), device)
    return sec / 3


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench/cuda_check.py", description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the numbers to this file")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA device: nothing to check", file=sys.stderr)
        return 2
    cpu, gpu = torch.device("cpu"), torch.device("cuda")
    report = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(), "cpu_threads": torch.get_num_threads(),
              "comparisons": [], "timings": {}}
    print(f"torch {report['torch']} on {report['gpu']}; CPU with {report['cpu_threads']} threads")

    ok = True
    for name, fn, tol in (("net (2) sweep", known_basis, 1e-9), ("net (7) GD", two_layer, 1e-9),
                          ("ResNet-18 GD, width 8", resnet_agreement, 1e-7)):
        fn(gpu)  # warm-up: CUDA context, kernels, cuDNN/cuBLAS handles
        ref, t_cpu = timed(lambda: fn(cpu), cpu)
        res, t_gpu = timed(lambda: fn(gpu), gpu)
        for key in ref:
            d = rel_diff(res[key], ref[key])
            passed = bool(d <= tol)
            ok &= passed
            report["comparisons"].append({"run": name, "quantity": key, "rel_diff": d, "tol": tol, "passed": passed})
            print(f"{name:24s} {key:12s} |cuda − cpu|/|cpu| = {d:.2e}  (tol {tol:.0e})  {'PASS' if passed else 'FAIL'}")
        report["timings"][name] = {"cpu_s": t_cpu, "cuda_s": t_gpu}
        print(f"{name:24s} float64: cpu {t_cpu:.2f} s, cuda {t_gpu:.2f} s ({t_cpu / t_gpu:.1f}×)")

    per_step = {dev.type: known_basis_step(dev) for dev in (cpu, gpu)}
    report["timings"]["net (2), one learning rate, per step"] = {f"{k}_s": v for k, v in per_step.items()}
    print(f"net (2), one learning rate: {per_step['cpu'] * 1e6:.0f} µs per step on the CPU, "
          f"{per_step['cuda'] * 1e6:.0f} µs on CUDA")

    full = TWO_LAYER["full"]
    two_layer(gpu, "float32", "full", sharpness=False)
    _, t = timed(lambda: two_layer(gpu, "float32", "full", sharpness=False), gpu)
    report["timings"]["net (7) full preset, float32"] = {"cuda_s": t}
    print(f"net (7), --full preset (n = {full['n']}), {full['steps']} steps, float32: cuda {t:.2f} s")

    g, s = RESNET_GD["full"], RESNET_SGD["full"]
    step_gd = resnet_speed(gpu, g["n"], g["n"], g["chunk"], classes=1)
    step_sgd = {b: resnet_speed(gpu, 10 * b, b, None) for b in s["batch_sizes"]}
    step_cpu = resnet_speed(cpu, 100, 100, None)
    gd_total = step_gd * g["steps"] * len(g["lrs"])
    sgd_total = sum(step_sgd[b] * s["steps"] * len(s["lrs"]) for b in s["batch_sizes"])
    report["timings"]["resnet18 w64 float32"] = {
        "gd_step_10000_s": step_gd, "sgd_step_s": {str(b): v for b, v in step_sgd.items()},
        "cpu_sgd_step_100_s": step_cpu, "full_fig3b_7_training_s": gd_total, "full_fig8_training_s": sgd_total}
    print(f"ResNet-18 (w = 64) float32: GD step on 10 000 images {step_gd * 1e3:.0f} ms; SGD step "
          + ", ".join(f"batch {b} {v * 1e3:.1f} ms" for b, v in step_sgd.items())
          + f"; CPU SGD step, batch 100: {step_cpu * 1e3:.0f} ms")
    print(f"--full training alone: Figs. 3b/7 ≈ {gd_total / 60:.1f} min, Fig. 8 ≈ {sgd_total / 60:.1f} min "
          "(without the statistics passes)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1)
    print("all comparisons pass" if ok else "SOME COMPARISONS FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
