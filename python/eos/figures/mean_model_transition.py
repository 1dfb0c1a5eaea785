"""The mean model's phase transition at η* = 8π/d²: the counterpart of Fig. 1 for the mean model (§3.2–3.3).

GD on the mean model from (A0, 0), A0 = 1, for several widths d, over η around η*, plotted against η/η* =
η d²/(8π). Below η* GD follows the gradient flow and the final bias is tiny, b∞ = −O(1/d²) (Theorem 3): d² b∞
is one function of η/η* for every d. Above η* it enters the EoS and b∞ ≤ g⁻¹(2/(d√η)) = g⁻¹(g(0)/√(η/η*)) < 0
(Theorem 4), a bound that depends on η/η* only and that GD nearly attains: a threshold neuron.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ._base import Check, Figure
from ._style import PALETTE, THEORY, new_figure, save, save_csv

A0 = 1.0
DIMS = (50, 100, 200, 400)
#: η/η* grid per preset, around the transition (linear) and towards the gradient-flow limit η → 0 (geometric)
GRID = {"quick": (0.5, 2.0, 121), "full": (0.5, 2.0, 601)}
SMALL_GRID = {"quick": (0.003, 0.5, 12), "full": (0.001, 0.5, 40)}
#: the "drop" of the bias that marks the transition
DROP = -0.01


def compute(preset: str) -> dict:
    import eos

    from ..theory import eos_bias_bound, eta_star, flow_bias_limit

    ratio, small = np.linspace(*GRID[preset]), np.geomspace(*SMALL_GRID[preset])
    data: dict = {"dims": np.array(DIMS), "A0": A0, "ratio": ratio, "small_ratio": small}
    for i, d in enumerate(DIMS):
        eta = np.concatenate([ratio, small]) * eta_star(d)
        r = eos.mean_model(A0, eta, d, precision="longdouble", max_steps=100_000_000)
        b = r.b.astype(np.float64)
        data |= {f"b_{i}": b[: ratio.size], f"small_b_{i}": b[ratio.size :], f"converged_{i}": r.converged,
                 f"steps_{i}": r.steps, f"bound_{i}": eos_bias_bound(eta[: ratio.size], d),
                 f"flow_b_{i}": float(flow_bias_limit(A0, d))}
    return data


def plot(data, stem: Path) -> list[Path]:
    fig, axes = new_figure(1, 2, width="full", height=2.7)
    left, right = axes[0]
    ratio = data["ratio"]
    above, below = ratio >= 1, ratio < 1
    for i, d in enumerate(data["dims"]):
        b = data[f"b_{i}"]
        left.plot(ratio, b, color=PALETTE[i], label=f"GD, $d = {d}$")
        x = np.concatenate([data["small_ratio"], ratio[below]])
        y = -np.concatenate([data[f"small_b_{i}"], b[below]]) * d**2
        order = np.argsort(x)
        right.loglog(x[order], y[order], color=PALETTE[i], label=f"$d = {d}$")
    left.plot(ratio[above], data["bound_0"][above], **THEORY, label=r"EoS bound $g^{-1}(2/(d\sqrt{\eta}))$")
    left.axvline(1, color="0.6", linewidth=0.6, linestyle=":")
    left.set(xlabel=r"$\eta\,/\,\eta^\star = \eta d^2/(8\pi)$", ylabel=r"final bias $b_\infty$")
    left.legend(frameon=False, loc="lower left")
    flow = -data["flow_b_0"] * data["dims"][0] ** 2
    right.axhline(flow, **THEORY, label=r"gradient flow: $\kappa(b_\infty) = -A_0^2/(4d^2)$")
    right.set(xlabel=r"$\eta\,/\,\eta^\star$ (below the threshold)", ylabel=r"$-d^2\, b_\infty$")
    right.legend(frameon=False, loc="upper left")
    files = save(fig, stem)
    columns = {"eta_over_eta_star": ratio, "eos_bias_bound": data["bound_0"]}
    columns |= {f"b_inf_d{d}": data[f"b_{i}"] for i, d in enumerate(data["dims"])}
    return files + [save_csv(stem, columns, f"mean model from (A0, b0) = ({data['A0']:g}, 0); eta* = 8 pi / d^2")]


def check(data) -> list[Check]:
    ratio, dims = data["ratio"], data["dims"]
    checks = []
    for i, d in enumerate(dims):
        dropped = np.flatnonzero(data[f"b_{i}"] < DROP)
        first = float(ratio[dropped[0]]) if dropped.size else np.inf
        checks.append(Check(f"d = {d}: the first η with b∞ < {DROP:g} lies within 10% of η* = 8π/d² (η/η*)",
                            first, 1.0, 0.1, abs(first - 1) <= 0.1))
    low = ratio <= 0.9
    scaled = np.array([data[f"b_{i}"][low] * d**2 for i, d in enumerate(dims)])
    spread = float(np.max(np.abs(scaled - scaled.mean(axis=0)) / np.abs(scaled.mean(axis=0))))
    checks.append(Check(f"η ≤ 0.9η*: |b∞| = O(1/d²): d² b∞ is one function of η/η* for d = "
                        f"{', '.join(map(str, dims))} (max relative spread; "
                        f"largest d²|b∞| = {np.abs(scaled).max():.3g})",
                        spread, 0.0, 0.05, spread <= 0.05))
    limit = np.array([data[f"small_b_{i}"][np.argmin(data["small_ratio"])] / data[f"flow_b_{i}"] - 1
                      for i in range(len(dims))])
    worst = float(np.max(np.abs(limit)))
    checks.append(Check(f"η = {data['small_ratio'].min():g} η*: GD's b∞ is the gradient flow's, the root of "
                        "κ(b) = −A0²/(4d²) (max relative difference over d)", worst, 0.0, 0.01, worst <= 0.01))
    high = ratio >= 1.1
    excess = max(float(np.max(data[f"b_{i}"][high] - data[f"bound_{i}"][high])) for i in range(len(dims)))
    checks.append(Check("η ≥ 1.1η*: b∞ ≤ g⁻¹(2/(d√η)) (Theorem 4; max of b∞ − bound over all d)", excess, "<= 0",
                        0.0, excess <= 0))
    dist = [float(np.max(data[f"bound_{i}"][high] - data[f"b_{i}"][high])) for i in range(len(dims))]
    checks.append(Check(f"η ≥ 1.1η*: the bound is nearly tight: largest distance bound − b∞ (d = {dims[0]}; "
                        f"d² × distance = {', '.join(f'{x * d**2:.3g}' for x, d in zip(dist, dims))} for d = "
                        f"{', '.join(map(str, dims))})", dist[0], 0.0, 0.05, max(dist) <= 0.05))
    ok = all(bool(np.all(data[f"converged_{i}"])) for i in range(len(dims)))
    checks.append(Check("every run converged", float(ok), 1.0, 0.0, ok))
    return checks


FIGURE = Figure(id="mean-model-transition", title="Mean model: final bias vs η/η* for several d (threshold 8π/d²)",
                compute=compute, plot=plot, check=check)
