"""The sparse-coding data model (1) of the paper.

    x = λ y e_j + ξ,    y ~ unif{±1},  j ~ unif{1..d},  ξ ~ N(0, I_d)

A sample is drawn on the CPU from a seeded generator and then moved, so the same seed gives the same data on
every device, and the float32 sample is the float64 one rounded (both are cast from one float64 draw).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ._device import resolve_device, resolve_dtype


@dataclass(frozen=True)
class SparseCoding:
    """A training sample and a fresh test sample of model (1).

    Attributes: ``x`` (n, d) and ``y`` (n,) with labels in {−1, +1}; ``x_test`` (n_test, d), ``y_test``
    (n_test,); ``lam`` the signal strength λ.
    """

    x: torch.Tensor
    y: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    lam: float

    @property
    def n(self) -> int:
        return self.x.shape[0]

    @property
    def d(self) -> int:
        return self.x.shape[1]


def _draw(n: int, d: int, lam: float, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    y = torch.randint(0, 2, (n,), generator=gen, dtype=torch.float64) * 2 - 1
    j = torch.randint(0, d, (n,), generator=gen)
    x = torch.randn(n, d, generator=gen, dtype=torch.float64)
    x[torch.arange(n), j] += lam * y
    return x, y


def sparse_coding(
    n: int,
    d: int,
    lam: float,
    *,
    n_test: int = 0,
    seed: int = 0,
    dtype: str | torch.dtype = "float32",
    device: str | torch.device = "auto",
) -> SparseCoding:
    """Draw n training and n_test test points of model (1) in dimension d with signal strength λ = ``lam``.

    The test points come from the same generator after the training points, so they are fresh samples and a
    larger ``n_test`` never changes the training set.
    """
    gen = torch.Generator().manual_seed(seed)
    x, y = _draw(n, d, lam, gen)
    xt, yt = _draw(n_test, d, lam, gen)
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    return SparseCoding(*(t.to(dev, dt) for t in (x, y, xt, yt)), lam=float(lam))
