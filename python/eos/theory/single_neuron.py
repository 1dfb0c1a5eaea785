"""Predictions for the single-neuron model f(x, y) = l(xy) (SPEC §1; §2 and App. B of the paper).

GD with step size η:  x' = x − η l'(xy) y,  y' = y − η l'(xy) x.  Gradient flow conserves D = y² − x² and
ends on an axis with sharpness |D|; GD ends with sharpness ≈ min(|D|, 2/η):

* gradient-flow (GF) regime, |y0² − x0²| < 2/η: λ∞ = |y0² − x0²| − O(1) (Theorem 1);
* EoS regime, |y0² − x0²| > 2/η: the small coordinate bounces across the axis while the large one shrinks,
  until η y² < 2; then 2/η − O(η^{1/(β−1)}) ≤ λ∞ ≤ 2/η (Theorem 2), after a bouncing phase of
  Ω(η^{−(β/(β−1) ∨ 2)}) steps (Remark 3).

The statements are written for |y| > |x| (the limit on the y-axis); GD is symmetric under x ↔ y, so every
function here uses |y0² − x0²|. All functions are vectorised and keep the inputs' floating dtype
(``np.longdouble`` in, ``np.longdouble`` out) except :func:`gradient_flow`, which integrates in float64.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from .losses import Loss

__all__ = [
    "regime",
    "predicted_sharpness",
    "sharpness",
    "gap_exponent",
    "bouncing_exponent",
    "eos_init",
    "quasi_static_s",
    "FlowSolution",
    "gradient_flow",
]


def _floats(*arrays):
    """The arrays broadcast together in their common floating dtype (integers promote to float64)."""
    dtype = np.result_type(*[np.asarray(a) for a in arrays], np.float64)
    return np.broadcast_arrays(*[np.asarray(a, dtype=dtype) for a in arrays])


def regime(x0, y0, eta):
    """The regime of GD from (x0, y0): ``"eos"`` where |y0² − x0²| > 2/η, else ``"gf"`` (array of str, shape S)."""
    x0, y0, eta = _floats(x0, y0, eta)
    return np.where(np.abs(y0 * y0 - x0 * x0) > 2 / eta, "eos", "gf")


def predicted_sharpness(x0, y0, eta):
    """The paper's prediction of the limiting sharpness, λ∞ ≈ min(|y0² − x0²|, 2/η), shape S."""
    x0, y0, eta = _floats(x0, y0, eta)
    return np.minimum(np.abs(y0 * y0 - x0 * x0), 2 / eta)


def sharpness(x, y, loss: Loss):
    """The largest eigenvalue of ∇²f = l''(s) [[y², s], [s, x²]] + l'(s) [[0, 1], [1, 0]] at (x, y), s = xy.

    At a minimiser (0, y) it is y². Vectorised over x, y of shape S.
    """
    x, y = _floats(x, y)
    s = x * y
    h, g = loss.d2l(s), loss.dl(s)
    a, b, c = h * y * y, h * x * x, h * s + g
    return (a + b) / 2 + np.hypot((a - b) / 2, c)


def gap_exponent(beta):
    """The predicted exponent p of the sharpness gap 2/η − λ∞ = Θ(η^p) in the EoS regime: p = 1/(β − 1).

    β = ∞ (huber) gives 0: the gap is O(1). Theorem 2 proves the upper bound; Fig. 9 (left) shows it is sharp.
    """
    beta = np.asarray(beta, dtype=float)
    return 1 / (beta - 1)


def bouncing_exponent(beta):
    """The predicted exponent q of the bouncing-phase length Θ(η^{−q}) steps: q = β/(β − 1) ∨ 2 (Remark 3).

    At β = 2 the length carries an extra factor log(1/η); β = ∞ (huber) gives 2.
    """
    beta = np.asarray(beta, dtype=float)
    with np.errstate(invalid="ignore"):  # β = ∞: β/(β−1) is nan, and the maximum is 2
        ratio = np.where(np.isinf(beta), 1.0, beta / (beta - 1))
    return np.maximum(ratio, 2.0)


def eos_init(eta, gamma, x_tilde=0.5):
    """The initialisations of Theorems 1–2: (x0, y0) = √(γ/η) (x̃, ỹ) with ỹ = √(1 + x̃²), so y0² − x0² = γ/η.

    γ = 2 − δ is the GF regime, γ = 2 + δ the EoS regime. Computed in the common dtype of the inputs (pass a
    ``np.longdouble`` η for extended-precision initialisations). Returns (x0, y0), each of the broadcast shape.
    """
    eta, gamma, x_tilde = _floats(eta, gamma, x_tilde)
    scale = np.sqrt(gamma / eta)
    return scale * x_tilde, scale * np.sqrt(1 + x_tilde * x_tilde)


def quasi_static_s(y, eta, loss: Loss):
    """The quasi-static envelope: the |s| = |xy| ≥ 0 with η y² l'(s)/s = 2 (Theorem 5, eq. (13)).

    Perfect bouncing x' = −x forces η y² q(s) = 2 with q = l'/s, which has a solution only while η y² ≥ 2
    (q ≤ 1); NaN elsewhere. The bouncing iterates track x = ±|s|/y. Since q decreases in |s| and
    q(s) ≤ 1/|s| (|l'| ≤ 1), the root lies in [0, η y²/2]; it is found by bisection in the dtype of the
    inputs, to the last bit. Shape: the broadcast shape of y and eta.
    """
    y, eta = _floats(y, eta)
    with np.errstate(divide="ignore"):  # y = 0: target ∞, no envelope (NaN below)
        target = 2 / (eta * y * y)
    lo = np.zeros_like(target)
    hi = np.where(target <= 1, 1 / target, 0)
    for _ in range(400):  # each pass halves the bracket; stops when no bracket can shrink further
        mid = lo + (hi - lo) / 2
        moved = (mid > lo) & (mid < hi)
        if not moved.any():
            break
        above = loss.ratio(mid) > target  # q(mid) too large: the root lies to the right
        lo = np.where(moved & above, mid, lo)
        hi = np.where(moved & ~above, mid, hi)
    return np.where(target <= 1, hi, np.nan)


@dataclass(frozen=True)
class FlowSolution:
    """Gradient flow (ẋ, ẏ) = −l'(xy) (y, x) sampled at times ``t`` (shape (T,)); ``x``, ``y`` have shape (T,).

    ``invariant_error`` is max_t |D(t) − D(0)| / (x0² + y0²) for the conserved D = y² − x² (Lemma 1): the
    integration's own accuracy certificate.
    """

    t: np.ndarray
    x: np.ndarray
    y: np.ndarray
    invariant_error: float


def gradient_flow(x0: float, y0: float, t, loss: Loss, *, rtol: float = 1e-12) -> FlowSolution:
    """Integrate the gradient flow of f(x, y) = l(xy) from (x0, y0) and sample it at the times ``t``.

    GD step k corresponds to time η k. Uses scipy's DOP853 (8th-order Runge–Kutta) at relative tolerance
    ``rtol`` (relative error control only); raises RuntimeError if the
    solver fails or the conserved y² − x² drifts by more than 1000 ``rtol`` relative to x0² + y0².
    """
    t = np.asarray(t, dtype=float)
    if t.ndim != 1 or t.size == 0 or t[0] < 0 or np.any(np.diff(t) < 0):
        raise ValueError("t must be a non-empty, non-decreasing 1-d array of times ≥ 0")
    x0, y0 = float(x0), float(y0)
    scale = x0 * x0 + y0 * y0

    def rhs(_, z):
        g = float(loss.dl(z[0] * z[1]))
        return (-g * z[1], -g * z[0])

    # pure relative error control: x decays exponentially to the axis and keeps its relative accuracy
    sol = solve_ivp(rhs, (0.0, float(t[-1])), (x0, y0), method="DOP853", t_eval=t, rtol=rtol,
                    atol=np.finfo(float).tiny)
    if not sol.success:
        raise RuntimeError(f"gradient flow integration failed: {sol.message}")
    x, y = sol.y
    error = float(np.max(np.abs((y * y - x * x) - (y0 * y0 - x0 * x0))) / scale) if scale > 0 else 0.0
    if error > 1000 * rtol:
        raise RuntimeError(f"gradient flow drifted off its invariant y² − x² by {error:.2e} (relative)")
    return FlowSolution(t, x, y, error)
