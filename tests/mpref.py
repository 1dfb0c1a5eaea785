"""An independent mpmath implementation of both models: the reference the core is tested against.

Written from SPEC §1–2 directly (no code shared with the core): the GD maps, and the sharpness as the
largest eigenvalue of the full Hessian (2×2 for the single neuron, 3×3 in (a⁻, a⁺, b) for the mean model)
from mpmath's symmetric eigensolver. Inputs are converted from np.longdouble / float64 exactly.
"""
from __future__ import annotations

import mpmath as mp
import numpy as np


def exact(v) -> mp.mpf:
    """The exact binary value of a float64 or np.longdouble as an mpf (no decimal round trip)."""
    v = np.longdouble(v)
    if v == 0:
        return mp.mpf(0)
    mant, exp = np.frexp(v)
    bits = np.finfo(np.longdouble).nmant + 1
    return mp.mpf(int(np.ldexp(mant, bits))) * mp.mpf(2) ** (int(exp) - bits)


def loss_d1(name: str, s, beta=None):
    if name == "logistic":
        return mp.tanh(s)
    if name == "sqrt":
        return s / mp.sqrt(1 + s * s)
    if name == "huber":
        return max(-1, min(1, s))
    if name == "beta":
        beta = mp.mpf(beta)
        r, c = (beta + 1) / beta, (beta / (beta + 1)) ** beta / (beta + 1)
        return mp.sign(s) if abs(s) > r else s * (1 - c * abs(s) ** beta)
    raise ValueError(name)


def loss_d2(name: str, s, beta=None):
    if name == "logistic":
        return 1 - mp.tanh(s) ** 2
    if name == "sqrt":
        return (1 + s * s) ** mp.mpf(-1.5)
    if name == "huber":
        return mp.mpf(1) if abs(s) <= 1 else mp.mpf(0)
    if name == "beta":
        beta = mp.mpf(beta)
        r, c = (beta + 1) / beta, (beta / (beta + 1)) ** beta / (beta + 1)
        return mp.mpf(0) if abs(s) > r else 1 - c * (beta + 1) * abs(s) ** beta
    raise ValueError(name)


def top_eig(rows) -> mp.mpf:
    return max(mp.eigsy(mp.matrix(rows), eigvals_only=True))


def single_neuron(x0, y0, eta, loss: str, steps: int, beta=None, dps: int = 50) -> dict:
    """`steps` GD steps on f(x, y) = l(xy); returns x, y, the sharpness and the gap 2/η − λ as mpf."""
    with mp.workdps(dps):
        x, y, e = exact(x0), exact(y0), exact(eta)
        for _ in range(steps):
            g = loss_d1(loss, x * y, beta)
            x, y = x - e * g * y, y - e * g * x
        s = x * y
        h, g = loss_d2(loss, s, beta), loss_d1(loss, s, beta)
        lam = top_eig([[h * y * y, h * s + g], [h * s + g, h * x * x]])
        return {"x": x, "y": y, "sharpness": lam, "gap": 2 / e - lam}


def gauss(b):
    """(g, g', g'') = (φ + bΦ, Φ, φ) at b."""
    phi = mp.npdf(b)
    Phi = mp.ncdf(b)
    return phi + b * Phi, Phi, phi


def mean_model(A0, b0, eta, d, steps: int, dps: int = 50) -> dict:
    """`steps` GD steps on the mean model; returns A, b, the sharpness and the gap as mpf."""
    with mp.workdps(dps):
        A, b, e, d = exact(A0), exact(b0), exact(eta), exact(d)
        for _ in range(steps):
            g, dg, _ = gauss(b)
            lp = mp.tanh(A * g / 2) / 2
            A, b = A - 2 * d * d * e * lp * g, b - e * lp * A * dg
        # Hessian of (a-, a+, b) -> l(d(a- + a+) g(b)) at a- = a+ = A/(2d), built entry by entry.
        g, dg, d2g = gauss(b)
        s = A * g
        l1, l2 = mp.tanh(s / 2) / 2, (1 - mp.tanh(s / 2) ** 2) / 4
        grad = [d * g, d * g, A * dg]
        hess_s = [[0, 0, d * dg], [0, 0, d * dg], [d * dg, d * dg, A * d2g]]
        H = [[l2 * grad[i] * grad[j] + l1 * hess_s[i][j] for j in range(3)] for i in range(3)]
        lam = top_eig(H)
        return {"A": A, "b": b, "sharpness": lam, "gap": 2 / e - lam}


def rel_err(value, ref) -> float:
    """|value − ref| / |ref| evaluated at 50 digits (value: float64, np.longdouble or mpf)."""
    with mp.workdps(50):
        v = value if isinstance(value, mp.mpf) else exact(value)
        return float(abs((v - ref) / ref))
