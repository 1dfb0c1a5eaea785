"""Fig. 7: the average logit of ResNet-18 over the binary CIFAR-10 training set oscillates under GD.

The runs of Fig. 3b (full-batch GD, cosine schedule). The average logit is taken from each step's own
forward pass over the whole training set, i.e. at θ_t in the mode GD trains in (BatchNorm on batch
statistics). Checked: for the largest initial rate its increments change sign more often than for the
smallest, the analogue of the oscillating A = d(a⁻ + a⁺) of the mean model. Made when CIFAR-10 is found.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ._base import Check, Figure
from ._nn_runs import sign_changes
from ._style import PALETTE, new_figure, save
from .fig03_bias_decrease import compute_b


def plot(data, stem: Path) -> list[Path]:
    fig, axes = new_figure()
    ax = axes[0, 0]
    for i, lr in enumerate(data["lrs"]):
        logit = data[f"avg_logit_{i}"]
        ax.plot(np.arange(len(logit)), logit, color=PALETTE[i], linewidth=0.9, label=f"lr = {lr:g}")
    ax.set(xlabel="step", ylabel="average logit")
    ax.legend(frameon=False)
    return save(fig, stem)


def check(data) -> list[Check]:
    flips = [sign_changes(data[f"avg_logit_{i}"]) for i in range(len(data["lrs"]))]
    return [
        Check("sign changes of the average logit's increments: largest initial lr minus smallest",
              flips[-1] - flips[0], "> 0", "> 0", flips[-1] > flips[0]),
    ]


FIGURE = Figure("7", "ResNet-18, binary CIFAR-10, GD: average logit vs step (oscillation)", compute_b, plot, check,
                shares="resnet_gd_runs")
