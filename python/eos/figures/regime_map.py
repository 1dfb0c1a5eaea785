"""The regime map: the limiting sharpness of GD over a grid of initialisations, against min(|y0² − x0²|, 2/η).

Not in the paper: its Theorems 1–2 as a picture. GD on the logistic loss at η = 0.1 from every (x0, y0) of a
square grid (≥ 1000 × 1000 points) in the first quadrant, in units of the edge √(2/η); the colour is the
normalised limiting sharpness η λ∞ / 2, which the theory predicts to be min(η |y0² − x0²| / 2, 1): the
gradient-flow value inside the hyperbolae |y0² − x0²| = 2/η (drawn dashed), and the edge of stability, 1,
outside them, where x (or y) bounces.

Runs are in double precision: the map resolves η λ∞ / 2 to ~1e-3, not the 1e-12 gaps that need long double.
Grid points are cell centres, so none lies on an axis (where GD is stuck at its start); those on the diagonal
x0 = y0 (an invariant line, along which GD creeps to the origin) do not converge in ``MAX_STEPS`` and are
reported apart.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ._base import Check, Figure
from ._style import THEORY, new_figure, save

ETA = 0.1
#: the grid covers [0, EXTENT]² in units of √(2/η)
EXTENT = 1.5
SIZE = {"quick": 1000, "full": 2000}
MAX_STEPS = 20_000
#: tolerance on η λ∞ / 2 against the prediction (Theorem 1 allows λ∞ = |D0| − O(1), here η O(1) / 2)
TOLERANCE = 0.1


def compute(preset: str) -> dict:
    import eos

    n = SIZE[preset]
    unit = np.sqrt(2 / ETA)
    v = (np.arange(n) + 0.5) * (EXTENT / n)  # cell centres, in units of √(2/η)
    x0, y0 = np.meshgrid(v * unit, v * unit)  # rows: y0, columns: x0
    r = eos.single_neuron(x0, y0, ETA, "logistic", precision="double", max_steps=MAX_STEPS)
    return {"eta": ETA, "grid": v, "scaled_sharpness": (ETA * r.sharpness / 2).astype(np.float32),
            "converged": r.converged, "diverged": r.diverged, "steps": r.steps.astype(np.int32)}


def _predicted(data):
    """min(η|D0|/2, 1) on the grid, with D0 = y0² − x0² (in units of √(2/η), η|D0|/2 = |ŷ² − x̂²|)."""
    x, y = np.meshgrid(data["grid"], data["grid"])
    return np.minimum(np.abs(y * y - x * x), 1.0)


def plot(data, stem: Path) -> list[Path]:
    fig, axes = new_figure(1, 2, width="full", height=3.0)
    v = data["grid"]
    h = (v[1] - v[0]) / 2
    extent = (v[0] - h, v[-1] + h, v[0] - h, v[-1] + h)
    t = np.linspace(0, v[-1], 300)
    boundary = np.sqrt(t * t + 1)
    inside = boundary <= v[-1]
    deviation = data["scaled_sharpness"] - _predicted(data)
    panels = (
        (data["scaled_sharpness"], "viridis", (0, 1), r"limiting sharpness $\eta\lambda_\infty/2$", "white"),
        (deviation, "RdBu_r", (-TOLERANCE, TOLERANCE),
         r"$\eta\lambda_\infty/2 - \min(\eta|y_0^2-x_0^2|/2,\,1)$", "black"),
    )
    for ax, (image, cmap, (lo, hi), label, ink) in zip(axes[0], panels):
        im = ax.imshow(image, origin="lower", extent=extent, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest",
                       rasterized=True)
        ax.plot(t[inside], boundary[inside], **{**THEORY, "color": ink}, label=r"$|y_0^2 - x_0^2| = 2/\eta$")
        ax.plot(boundary[inside], t[inside], **{**THEORY, "color": ink})
        ax.set(xlabel=r"$x_0\,/\sqrt{2/\eta}$", ylabel=r"$y_0\,/\sqrt{2/\eta}$", aspect="equal")
        fig.colorbar(im, ax=ax, label=label, shrink=0.85)
    left, right = axes[0]
    left.text(0.72, 0.72, "GF regime", color="white", ha="center", va="center", rotation=45, fontsize=7)
    for xy in ((0.3, 1.3), (1.3, 0.3)):
        left.text(*xy, "EoS regime", color="black", ha="center", va="center", fontsize=7)
    left.set_title(f"logistic loss, $\\eta = {data['eta']:g}$: {v.size}$\\times${v.size} initialisations", fontsize=7)
    right.set_title("GD minus the prediction")
    right.legend(frameon=False, loc="upper right", fontsize=6)
    return save(fig, stem)


def check(data) -> list[Check]:
    lam, ok = data["scaled_sharpness"].astype(np.float64), data["converged"]
    pred = _predicted(data)
    err = np.abs(lam - pred)[ok]
    p99 = float(np.percentile(err, 99))
    x, y = np.meshgrid(data["grid"], data["grid"])
    eos_region = (np.abs(y * y - x * x) > 1) & ok
    gf_region = (np.abs(y * y - x * x) < 1) & ok
    over_edge = float(np.max(lam[eos_region] - 1))
    over_flow = float(np.max(lam[gf_region] - np.abs(y * y - x * x)[gf_region]))
    eos_median = float(np.median(1 - lam[eos_region]))
    n, stuck = lam.size, int((~ok).sum())
    return [
        Check(f"η λ∞/2 = min(η|y0² − x0²|/2, 1): 99th percentile of the error over the {n - stuck} converged "
              f"initialisations (median {np.median(err):.2g}; {stuck} on or next to the diagonal x0 = y0 still "
              "creep to 0)", p99, 0.0, TOLERANCE, p99 <= TOLERANCE),
        Check("EoS regime: λ∞ ≤ 2/η everywhere (max of η λ∞/2 − 1)", over_edge, "<= 1e-6", 1e-6, over_edge <= 1e-6),
        Check("EoS regime: λ∞ ≈ 2/η (median of 1 − η λ∞/2)", eos_median, 0.0, 0.05, 0 <= eos_median <= 0.05),
        Check("GF regime: λ∞ ≤ |y0² − x0²|, as GD only shrinks |D| (max of η(λ∞ − |D0|)/2)", over_flow, "<= 1e-6",
              1e-6, over_flow <= 1e-6),
        Check("no run diverged", float(np.sum(data["diverged"])), 0.0, 0.0, not np.any(data["diverged"])),
    ]


FIGURE = Figure(id="regime-map", title="Regime map: limiting sharpness over ≥ 10⁶ initialisations (x0, y0)",
                compute=compute, plot=plot, check=check)
