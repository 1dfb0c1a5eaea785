"""The losses l of the single-neuron model f(x, y) = l(xy) (SPEC §1, Example 1 of the paper).

Every loss is convex, even, 1-Lipschitz with l''(0) = 1, and these definitions are the compiled core's
(``cpp/include/eos/losses.hpp``), term by term, so that the theory and the core describe the same map.

All methods are vectorised numpy ufunc-style functions that keep the input's floating dtype: pass
``np.longdouble`` arrays to evaluate in extended precision.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Loss", "get_loss", "LOSS_NAMES"]

LOSS_NAMES = ("logistic", "sqrt", "huber", "beta")


def _as_float(s):
    """``s`` as a floating array, keeping longdouble (and float32) and promoting integers to float64."""
    a = np.asarray(s)
    return a if np.issubdtype(a.dtype, np.floating) else a.astype(np.float64)


@dataclass(frozen=True)
class Loss:
    """A single-neuron loss l with its first two derivatives.

    Attributes
    ----------
    name : str
        "logistic", "sqrt", "huber" or "beta".
    beta : float
        The exponent of assumption (A2), l'(s)/s = 1 - Θ(|s|^β) near 0: 2 for logistic and sqrt, ``inf`` for
        huber, and the loss's parameter for "beta".

    Methods ``l``, ``dl`` and ``d2l`` take an array ``s`` of any shape and return l(s), l'(s), l''(s) with the
    same shape and floating dtype. ``ratio`` is q(s) = l'(s)/s (q(0) = 1), the factor by which one GD step
    scales the small coordinate: x' = (1 - η q(s) y²) x on the y-axis side.

    Use :func:`get_loss` to construct one.
    """

    name: str
    beta: float

    def l(self, s):  # noqa: E743 - the paper's name
        """The loss l(s)."""
        s = _as_float(s)
        a = np.abs(s)
        if self.name == "logistic":
            # log(2 cosh s) = |s| + log(1 + e^{-2|s|}), without overflow for large |s|
            return a + np.log1p(np.exp(-2 * a))
        if self.name == "sqrt":
            return np.sqrt(1 + s * s)
        if self.name == "huber":
            return np.where(a <= 1, s * s / 2, a - s.dtype.type(0.5))
        beta, r, c = self._typed(s.dtype)
        inside = a * a / 2 - c * a ** (beta + 2) / (beta + 2)
        at_r = r * r / 2 - c * r ** (beta + 2) / (beta + 2)
        # l' = 1 beyond r, so l continues linearly from l(r)
        return np.where(a <= r, inside, at_r + (a - r))

    def dl(self, s):
        """The derivative l'(s): tanh s, s/√(1+s²), clip(s, -1, 1), or s(1 - c|s|^β) inside r."""
        s = _as_float(s)
        if self.name == "logistic":
            return np.tanh(s)
        if self.name == "sqrt":
            return s / np.sqrt(1 + s * s)
        if self.name == "huber":
            return np.clip(s, -1, 1)
        beta, r, c = self._typed(s.dtype)
        a = np.abs(s)
        return np.where(a > r, np.sign(s), s * (1 - c * a**beta))

    def d2l(self, s):
        """The second derivative l''(s) (at the kinks of huber, |s| = 1, the inner value 1, as in the core)."""
        s = _as_float(s)
        if self.name == "logistic":
            t = np.tanh(s)
            return 1 - t * t
        if self.name == "sqrt":
            return 1 / np.sqrt(1 + s * s) ** 3
        a = np.abs(s)
        if self.name == "huber":
            return np.where(a <= 1, 1, 0).astype(s.dtype)
        beta, r, c = self._typed(s.dtype)
        return np.where(a > r, 0, 1 - c * (beta + 1) * a**beta).astype(s.dtype)

    def ratio(self, s):
        """q(s) = l'(s)/s, continuous at s = 0 where it is l''(0) = 1; 0 < q ≤ 1 and q decreases in |s|."""
        s = _as_float(s)
        zero = s == 0
        return np.where(zero, 1, self.dl(s) / np.where(zero, 1, s)).astype(s.dtype)

    def _typed(self, dtype):
        """l_β's β, radius r = (β+1)/β and constant c = (β/(β+1))^β/(β+1), computed in ``dtype``."""
        t = np.dtype(dtype).type
        beta = t(self.beta)
        return beta, (beta + 1) / beta, (beta / (beta + 1)) ** beta / (beta + 1)


def get_loss(name: str, beta: float | None = None) -> Loss:
    """The loss called ``name`` ("logistic", "sqrt", "huber" or "beta"); "beta" needs ``beta > 1``.

    >>> get_loss("beta", beta=1.5).beta
    1.5
    """
    if name not in LOSS_NAMES:
        raise ValueError(f"loss must be one of {LOSS_NAMES}, got {name!r}")
    if name == "beta":
        if beta is None or not beta > 1 or not math.isfinite(beta):
            raise ValueError(f"the 'beta' loss needs a finite beta > 1, got beta={beta!r}")
        return Loss("beta", float(beta))
    if beta is not None:
        raise ValueError(f"beta is only a parameter of the 'beta' loss, not of {name!r}")
    return Loss(name, math.inf if name == "huber" else 2.0)
