"""Fig. 8: ResNet-18 trained by SGD on 10-class CIFAR-10: median bias of the last conv layer and average
activation (post-ReLU output of the last conv layer, averaged over neurons, positions and images) against
the step, for batch sizes 100 (top) and 1000 (bottom) and several learning rates.

Full: all 50 000 training images, 1000 steps, activation averaged over 10 000 of them every 50 steps;
quick: an 8-wide ResNet-18 on 2000 images, 12 steps, two rates, statistics on 250 images every 4 steps.
Checked, per batch size: the largest learning rate ends with a lower median bias and a lower (sparser)
average activation than the smallest. Made when CIFAR-10 is found.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ._base import Check, Figure
from ._nn_runs import resnet_sgd_runs
from ._style import PALETTE, new_figure, save


def compute(preset: str) -> dict:
    start = time.perf_counter()
    data = resnet_sgd_runs(preset)
    data["seconds"] = time.perf_counter() - start
    return data


def plot(data, stem: Path) -> list[Path]:
    rows = len(data["batch_sizes"])
    fig, axes = new_figure(rows, 2, width="full", height=2.2 * rows)
    for j, batch in enumerate(data["batch_sizes"]):
        for i, lr in enumerate(data["lrs"]):
            bias = data[f"median_bias_{j}_{i}"]
            axes[j, 0].plot(np.arange(len(bias)), bias, color=PALETTE[i], label=f"lr = {lr:g}")
            axes[j, 1].plot(data[f"eval_step_{j}_{i}"], data[f"avg_activation_{j}_{i}"], "o-", markersize=2,
                            color=PALETTE[i], label=f"lr = {lr:g}")
        axes[j, 0].set(xlabel="step", ylabel="median bias (last conv layer)", title=f"batch size {batch}")
        axes[j, 1].set(xlabel="step", ylabel="average activation", title=f"batch size {batch}")
    axes[0, 1].legend(frameon=False)
    return save(fig, stem)


def check(data) -> list[Check]:
    checks = []
    last = len(data["lrs"]) - 1
    for j, batch in enumerate(data["batch_sizes"]):
        for key, name in (("median_bias", "median bias"), ("avg_activation", "average activation")):
            diff = float(data[f"{key}_{j}_{last}"][-1] - data[f"{key}_{j}_0"][-1])
            checks.append(Check(f"batch {batch}: final {name}, largest lr minus smallest", diff, "< 0", "< 0",
                                diff < 0))
    return checks


FIGURE = Figure("8", "ResNet-18, CIFAR-10, SGD: median bias and average activation vs step", compute, plot, check)
