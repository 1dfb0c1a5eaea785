"""Closed forms of the mean model (SPEC §2; §3 and App. C, D of the paper).

The mean model is GD on (a⁻, a⁺, b) ↦ l_sym(d (a⁻ + a⁺) g(b)), written in A = d (a⁻ + a⁺):

    A' = A − 2d²η l_sym'(A g(b)) g(b),    b' = b − η l_sym'(A g(b)) A g'(b),

with the symmetrised logistic loss l_sym(s) = ½(log(1+e^{−s}) + log(1+e^{s})) and the smoothed ReLU
g(b) = E_{z~N(0,1)} ReLU(z + b) = φ(b) + b Φ(b).

Everything here is vectorised over numpy arrays of any shape and evaluated in float64 (scipy's special
functions have no extended-precision path; the mean model's claims are about b∞ to a few digits).
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special

from ._newton import newton

__all__ = [
    "l_sym",
    "dl_sym",
    "g",
    "dg",
    "d2g",
    "g_inv",
    "kappa",
    "kappa_inv",
    "flow_bias_limit",
    "eta_star",
    "eos_bias_bound",
    "mean_model_sharpness",
]

_SQRT_2PI = math.sqrt(2 * math.pi)


def l_sym(s):
    """l_sym(s) = ½(log(1+e^{−s}) + log(1+e^{s})) = log(2 cosh(s/2)); l_sym''(0) = ¼."""
    a = np.abs(np.asarray(s, dtype=float))
    return a / 2 + np.log1p(np.exp(-a))


def dl_sym(s):
    """l_sym'(s) = ½ tanh(s/2)."""
    return np.tanh(np.asarray(s, dtype=float) / 2) / 2


def g(b):
    """The smoothed ReLU g(b) = E ReLU(z + b) = φ(b) + b Φ(b) for z ~ N(0, 1); g(0) = 1/√(2π).

    g is positive, increasing, convex and log-concave, with g(b) → 0 as b → −∞ and g(b) − b → 0 as b → ∞.
    """
    b = np.asarray(b, dtype=float)
    # For b < 0, φ(b) and b Φ(b) nearly cancel; with Mills' ratio Φ(−x)/φ(x) = √(π/2) erfcx(x/√2), x = −b,
    # g = φ(b) (1 − x √(π/2) erfcx(x/√2)) keeps all but ~log10(x²) digits (φ + bΦ lost 1e-13 at b = −8).
    x = np.maximum(-b, 0)
    negative = d2g(b) * (1 - x * math.sqrt(math.pi / 2) * special.erfcx(x / math.sqrt(2)))
    return np.where(b < 0, negative, d2g(b) + b * special.ndtr(b))


def dg(b):
    """g'(b) = Φ(b), the standard normal CDF."""
    return special.ndtr(np.asarray(b, dtype=float))


def d2g(b):
    """g''(b) = φ(b), the standard normal density."""
    b = np.asarray(b, dtype=float)
    return np.exp(-b * b / 2) / _SQRT_2PI


def g_inv(v):
    """The inverse of g on its range (0, ∞): the b with g(b) = v.

    NaN where v ≤ 1e-290 (g underflows double below b ≈ −36.5) or v is NaN. Solved by Newton's method on the
    concave increasing log g (g is log-concave) from a start left of the root, so the iterates increase
    monotonically to it; accurate to a few ulps of max(|b|, 1).
    """
    v = np.asarray(v, dtype=float)
    ok = v > 1e-290
    safe = np.where(ok, v, 1.0)
    # Left of the root: g(b) ≤ b⁺ + g(0) gives b ≥ v − g(0), and g ≤ φ gives φ(b) ≥ v for b < 0.
    below_g0 = -np.sqrt(-2 * np.log(np.minimum(safe * _SQRT_2PI, 1)))
    start = np.where(safe >= 1 / _SQRT_2PI, safe - 1 / _SQRT_2PI, below_g0)
    # log g carries an absolute rounding error of a few ε, i.e. b one of ~ε g/Φ ≤ ε(1 + |b|): an absolute floor
    b = newton(lambda b: np.log(g(b)), lambda b: dg(b) / g(b), np.log(safe), start, atol=8 * np.finfo(float).eps)
    return np.where(ok, b, np.nan)


def kappa(b):
    """κ(b) = ∫₀ᵇ g/g' (Lemma 3), in closed form.

    Since g/g' = b + φ(b)/Φ(b) and φ/Φ = (log Φ)', κ(b) = b²/2 + log(2Φ(b)) exactly. Evaluated as
    b²/2 + log1p(erf(b/√2)) for b > −1 (full relative precision for tiny b, as b∞ of the flow is −O(1/d²)) and
    as log(erfcx(−b/√2)) below, the same quantity without the cancellation of b²/2 against log Φ(b).
    κ is increasing and convex, κ(0) = 0, κ'(0) = g(0)/g'(0) = √(2/π), and κ(b) ≈ −log(|b|√(π/2)) as b → −∞.
    """
    b = np.asarray(b, dtype=float)
    near = b > -1
    return np.where(
        near,
        b * b / 2 + np.log1p(special.erf(np.where(near, b, 0) / math.sqrt(2))),
        np.log(special.erfcx(-np.where(near, -1, b) / math.sqrt(2))),
    )


def kappa_inv(k):
    """The inverse of κ: the b with κ(b) = k (Newton on the convex increasing κ, from the right of the root).

    κ(b) → −∞ only logarithmically as b → −∞, so κ⁻¹(k) ≈ −√(2/π) e^{−k} for k ≪ 0. Accurate for k ≥ −10
    (|b| ≲ 2·10⁴, where κ' = b + φ/Φ still has digits left after its cancellation), far beyond the mean model's
    −A0²/(4d²).
    """
    k = np.asarray(k, dtype=float)
    # κ(b) ≥ b²/2 for b ≥ 0, so √(2 max(k, 0)) lies right of the root; for k ≤ 0, 0 does.
    return newton(kappa, _dkappa, k, np.sqrt(2 * np.maximum(k, 0)))


def _dkappa(b):
    """κ'(b) = g(b)/Φ(b) = b + φ(b)/Φ(b), with φ/Φ = √(2/π)/erfcx(−b/√2) (no underflow for b ≪ 0)."""
    return b + math.sqrt(2 / math.pi) / special.erfcx(-b / math.sqrt(2))


def flow_bias_limit(A0, d):
    """b∞ of the mean model's gradient flow from (A0, 0): the root of κ(b∞) = −A0²/(4d²) (Lemma 3).

    Gradient flow conserves ½A² − 2d²κ(b) and ends on the b-axis (A = 0), so b∞ = −O(1/d²); to first order
    b∞ ≈ −A0² √(2π) / (8 d²).
    """
    A0, d = np.asarray(A0, dtype=float), np.asarray(d, dtype=float)
    return kappa_inv(-(A0**2) / (4 * d**2))


def eta_star(d):
    """The mean model's EoS threshold η* = 8π/d²: ½ η d² g(0)² = 2 exactly there (§3.2)."""
    return 8 * np.pi / np.asarray(d, dtype=float) ** 2


def eos_bias_bound(eta, d):
    """Theorem 4's bound b∞ ≤ g⁻¹(2/(d√η)) on the final bias in the EoS regime η > η* = 8π/d².

    GD can only settle where the sharpness ½ d² g(b)² is at most 2/η. The bound is negative exactly when
    η > η*, and is 0 at η = η*; e.g. η = 10π/d² gives −0.087.
    """
    eta, d = np.asarray(eta, dtype=float), np.asarray(d, dtype=float)
    return g_inv(2 / (d * np.sqrt(eta)))


def mean_model_sharpness(b, d):
    """Sharpness of the mean model at a minimiser (A = 0) in (a⁻, a⁺, b): ½ d² g(b)² (Remark 4); d²/(4π) at b = 0."""
    return 0.5 * np.asarray(d, dtype=float) ** 2 * g(b) ** 2
