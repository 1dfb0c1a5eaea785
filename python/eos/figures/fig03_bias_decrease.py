"""Fig. 3: the bias decreases faster with larger learning rates, beyond the known-basis model.

* 3a (top): the two-layer net (7) with unknown basis on the sparse-coding model (d = 100, m = 2000, λ = 5,
  n = 20 000; quick: n = 4000), 30 full-batch GD steps per learning rate: training loss and mean bias
  b̄ = (1/m) Σᵢ bᵢ against the step. Checked: b̄ after 30 steps is negative and decreases with the rate.
* 3b (bottom): ResNet-18 on binary CIFAR-10 (classes 0 and 1), full-batch GD with a cosine schedule from
  several initial rates: training loss and median bias of the last conv layer against the step. Made when
  CIFAR-10 is found (see :mod:`eos.nn.cifar`); quick: an 8-wide ResNet-18 on 256 images, 20 steps. Checked: the median
  bias ends lower for the largest rate than for the smallest.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ._base import Check, Figure
from ._nn_runs import resnet_gd_runs, two_layer_runs
from ._style import PALETTE, new_figure, save


def _timed(runs, preset: str) -> dict:
    start = time.perf_counter()
    data = dict(runs(preset))
    data["seconds"] = time.perf_counter() - start
    return data


def _plot_loss_bias(data, stem: Path, bias_key: str, bias_label: str) -> list[Path]:
    fig, axes = new_figure(1, 2, width="full", height=2.4)
    for i, lr in enumerate(data["lrs"]):
        loss = data[f"loss_{i}"]
        axes[0, 0].plot(np.arange(len(loss)), loss, color=PALETTE[i], label=f"lr = {lr:g}")
        bias = data[f"{bias_key}_{i}"]
        axes[0, 1].plot(np.arange(len(bias)), bias, color=PALETTE[i], label=f"lr = {lr:g}")
    axes[0, 0].set(xlabel="step", ylabel="training loss", yscale="log")
    axes[0, 1].set(xlabel="step", ylabel=bias_label)
    axes[0, 1].legend(frameon=False)
    return save(fig, stem)


def compute_a(preset: str) -> dict:
    return _timed(two_layer_runs, preset)


def plot_a(data, stem: Path) -> list[Path]:
    return _plot_loss_bias(data, stem, "bias", r"mean bias $\bar b$")


def check_a(data) -> list[Check]:
    final = np.array([data[f"bias_{i}"][-1] for i in range(len(data["lrs"]))])
    checks = [Check(f"lr = {lr:g}: mean bias after 30 steps", float(b), "< 0", "< 0", bool(b < 0))
              for lr, b in zip(data["lrs"], final)]
    increases = int(np.count_nonzero(np.diff(final) >= 0))
    checks.append(Check("mean bias after 30 steps decreases with the learning rate (number of increases)",
                        increases, 0, 0, increases == 0))
    return checks


def compute_b(preset: str) -> dict:
    return _timed(resnet_gd_runs, preset)


def plot_b(data, stem: Path) -> list[Path]:
    return _plot_loss_bias(data, stem, "median_bias", "median bias (last conv layer)")


def check_b(data) -> list[Check]:
    first, last = data["median_bias_0"][-1], data[f"median_bias_{len(data['lrs']) - 1}"][-1]
    diff = float(last - first)
    return [Check("median bias at the end: largest initial lr minus smallest", diff, "< 0", "< 0", bool(diff < 0))]


FIGURES = [
    Figure("3a", "Two-layer net (7): loss and mean bias vs step for several learning rates", compute_a, plot_a,
           check_a, shares="two_layer_runs"),
    Figure("3b", "ResNet-18, binary CIFAR-10, GD: loss and median bias vs step", compute_b, plot_b, check_b,
           shares="resnet_gd_runs"),
]
