"""Fig. 5: the smoothed ReLU g(b) = E_{z~N(0,1)} ReLU(z + b) = φ(b) + b Φ(b) (Lemma 2).

Checked against an independent evaluation of the expectation by numerical quadrature, and against the
facts the mean model uses: g(0) = 1/√(2π), g' = Φ, g convex.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from scipy import integrate, special

from ._base import Check, Figure
from ._style import FLOW_COLOR, GD_COLOR, THEORY, new_figure, save, save_csv

_SETTINGS = {"quick": {"points": 801, "quadrature_points": 41}, "full": {"points": 4001, "quadrature_points": 161}}


def _expected_relu(b: float) -> float:
    """E ReLU(z + b) = ∫_{−b}^{∞} (z + b) φ(z) dz by adaptive quadrature (independent of the closed form)."""
    value, _ = integrate.quad(lambda z: (z + b) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi), -b, np.inf,
                              epsabs=1e-14, epsrel=1e-13)
    return value


def compute(preset: str) -> dict:
    from ..theory import g

    s = _SETTINGS[preset]
    b = np.linspace(-4, 4, s["points"])
    bq = np.linspace(-4, 4, s["quadrature_points"])
    return {"b": b, "g": g(b), "b_quadrature": bq, "g_quadrature": np.array([_expected_relu(v) for v in bq])}


def plot(data, stem: Path) -> list[Path]:
    fig, axes = new_figure()
    ax = axes[0, 0]
    b = data["b"]
    ax.plot(b, np.maximum(b, 0), color="0.6", linewidth=0.8, label="ReLU(b)")
    ax.plot(b, data["g"], color=GD_COLOR, label=r"$g(b)=\varphi(b)+b\,\Phi(b)$")
    ax.plot(data["b_quadrature"], data["g_quadrature"], "o", color=FLOW_COLOR, markersize=2.5,
            label=r"$\mathbb{E}\,\mathrm{ReLU}(z+b)$ (quadrature)")
    ax.axhline(1 / math.sqrt(2 * math.pi), **THEORY, label=r"$g(0)=1/\sqrt{2\pi}$")
    ax.set(xlabel="bias $b$", ylabel="$g(b)$", xlim=(b[0], b[-1]), ylim=(0, b[-1]))
    ax.legend(frameon=False, loc="upper left")
    return save(fig, stem) + [save_csv(stem, {"b": b, "g": data["g"]}, "g(b) = E ReLU(z + b), z ~ N(0, 1)")]


def check(data) -> list[Check]:
    b, gb = data["b"], data["g"]
    quad_err = float(np.max(np.abs(np.interp(data["b_quadrature"], b, gb) - data["g_quadrature"])))
    g0 = float(np.interp(0.0, b, gb))
    # g' = Φ: central differences of the plotted curve, O(h²) accurate
    h = b[1] - b[0]
    slope_err = float(np.max(np.abs((gb[2:] - gb[:-2]) / (2 * h) - special.ndtr(b[1:-1]))))
    slope_tol = 0.07 * h * h  # the truncation error h² |g'''| / 6 ≤ h² φ(0)/6 ≈ 0.0665 h²
    curvature = float(np.min(np.diff(gb, 2)))
    return [
        Check("closed form φ(b) + bΦ(b) equals E ReLU(z + b) by quadrature (max abs error)", quad_err, 0.0, 1e-10,
              quad_err <= 1e-10),
        Check("g(0) = 1/√(2π)", g0, 1 / math.sqrt(2 * math.pi), 1e-15, abs(g0 - 1 / math.sqrt(2 * math.pi)) <= 1e-15),
        Check("g'(b) = Φ(b) (max error of central differences)", slope_err, 0.0, slope_tol, slope_err <= slope_tol),
        Check("g is convex (min second difference ≥ 0)", curvature, ">= 0", 0.0, curvature >= 0),
    ]


FIGURE = Figure(id="5", title="The smoothed ReLU g(b)", compute=compute, plot=plot, check=check)
