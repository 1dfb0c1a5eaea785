"""Sharpness: the top eigenvalue(s) of the training-loss Hessian.

For a network, by Lanczos on Hessian-vector products (reverse-over-reverse with torch.func: one HVP costs
about two gradients; torch's forward-mode AD would do too, but its first use scripts decompositions with the
deprecated torch.jit.script and warns), warm-started from the previous top eigenvector so that tracking the
sharpness along a trajectory needs few iterations per step. For the three-parameter net (2) the 3×3 Hessian is exact
(:meth:`~eos.nn.models.KnownBasisObjective.hessian`), see :func:`known_basis_sharpness`.
"""
from __future__ import annotations

from typing import Callable, Mapping

import torch
from torch import nn
from torch.func import functional_call, grad, vjp

from .models import KnownBasisObjective, batch_statistics

Params = Mapping[str, torch.Tensor]


def lanczos(
    hvp: Callable[[torch.Tensor], torch.Tensor],
    v0: torch.Tensor,
    *,
    k: int = 1,
    iters: int = 20,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The k largest (algebraic) eigenvalues of a symmetric operator H and their eigenvectors.

    ``hvp(v)`` returns H v for a flat vector v of shape (p,); ``v0`` (p,) is the start. Runs
    min(iters, p) Lanczos steps with full reorthogonalisation (cheap next to an HVP, and it keeps the
    Ritz values free of spurious copies). When the Krylov space closes early (v0 an eigenvector, as with an
    exact warm start) it continues from a fresh random direction, so k > 1 still finds k eigenvalues.
    Returns eigenvalues (k,) in decreasing order and eigenvectors (k, p).
    """
    p = v0.numel()
    m = min(iters, p)
    basis = torch.empty(m, p, dtype=v0.dtype, device=v0.device)
    alpha = torch.zeros(m, dtype=v0.dtype, device=v0.device)
    beta = torch.zeros(m, dtype=v0.dtype, device=v0.device)
    v = v0 / v0.norm()
    for j in range(m):
        basis[j] = v
        w = hvp(v)
        alpha[j] = w @ v
        for _ in range(2):  # twice is enough (Kahan's "twice is enough" for Gram-Schmidt)
            w = w - basis[: j + 1].T @ (basis[: j + 1] @ w)
        if j + 1 == m:
            break
        beta[j] = w.norm()
        if beta[j] <= 1e-10 * alpha[: j + 1].abs().max().clamp_min(1e-30):
            beta[j] = 0.0  # invariant subspace found: restart orthogonally, T becomes block diagonal
            w = torch.randn(p, generator=generator, dtype=v0.dtype, device=v0.device)
            for _ in range(2):
                w = w - basis[: j + 1].T @ (basis[: j + 1] @ w)
        v = w / w.norm()
    tri = torch.diag(alpha) + torch.diag(beta[: m - 1], 1) + torch.diag(beta[: m - 1], -1)
    vals, vecs = torch.linalg.eigh(tri)
    top = vals.flip(0)[:k]
    return top, (basis.T @ vecs.flip(1)[:, :k]).T


def _flat(params: Params) -> torch.Tensor:
    return torch.cat([t.reshape(-1) for t in params.values()])


def _unflat(vec: torch.Tensor, like: Params) -> dict[str, torch.Tensor]:
    out, i = {}, 0
    for name, t in like.items():
        out[name] = vec[i : i + t.numel()].view_as(t)
        i += t.numel()
    return out


def hvp_function(loss: Callable[[Params], torch.Tensor], params: Params) -> Callable[[torch.Tensor], torch.Tensor]:
    """v ↦ ∇²loss(params) v on flat vectors: the vector-Jacobian product of ∇loss (the Hessian is symmetric),
    with the gradient's graph built once and reused by every HVP."""
    primal = dict(params)
    _, pullback = vjp(grad(loss), primal)

    def hvp(v: torch.Tensor) -> torch.Tensor:
        return _flat(pullback(_unflat(v, primal))[0])

    return hvp


def module_loss(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, criterion: Callable, *, chunk_size: int | None = None
) -> tuple[Callable[[Params], torch.Tensor], dict[str, torch.Tensor]]:
    """The loss of ``model`` on (x, y) as a function of its parameters, and those parameters (detached).

    With ``chunk_size`` the data are processed in chunks and the chunk losses averaged with weights
    |chunk|/n, exactly as full-batch training accumulates them (BatchNorm sees each chunk as a batch).
    """
    params = {k: v.detach() for k, v in model.named_parameters()}
    chunks = list(zip(x.split(chunk_size or len(x)), y.split(chunk_size or len(x))))

    def loss(p: Params) -> torch.Tensor:
        return sum(criterion(functional_call(model, dict(p), (xc,)), yc) * (len(xc) / len(x)) for xc, yc in chunks)

    return loss, params


class Sharpness:
    """Tracks the top-k Hessian eigenvalues along a training run, warm-starting each Lanczos run from the
    last top eigenvector.

    ``iters`` Lanczos steps (HVPs) per call; ``seed`` seeds the random first start and any restart.
    """

    def __init__(self, *, k: int = 1, iters: int = 20, seed: int = 0):
        self.k, self.iters, self.seed = k, iters, seed
        self._v: torch.Tensor | None = None
        self._gen: torch.Generator | None = None

    def _start(self, like: torch.Tensor) -> torch.Tensor:
        if self._gen is None:
            self._gen = torch.Generator(device=like.device).manual_seed(self.seed)
        if self._v is None or self._v.shape != like.shape:
            return torch.randn(like.shape, generator=self._gen, dtype=like.dtype, device=like.device)
        return self._v

    def of_function(self, loss: Callable[[Params], torch.Tensor], params: Params) -> torch.Tensor:
        """Top-k eigenvalues (k,) of ∇²loss at ``params`` (a dict of tensors)."""
        flat = _flat(params)
        hvp = hvp_function(loss, params)
        vals, vecs = lanczos(hvp, self._start(flat), k=self.k, iters=self.iters, generator=self._gen)
        self._v = vecs[0]
        return vals

    def of_model(
        self, model: nn.Module, x: torch.Tensor, y: torch.Tensor, criterion: Callable, *, chunk_size: int | None = None
    ) -> torch.Tensor:
        """Top-k eigenvalues (k,) of the Hessian of ``criterion(model(x), y)`` in the model's parameters.

        BatchNorm runs on batch statistics (the mode GD trains in) without touching its running averages.
        """
        with batch_statistics(model):
            loss, params = module_loss(model, x, y, criterion, chunk_size=chunk_size)
            return self.of_function(loss, params)


def known_basis_sharpness(objective: KnownBasisObjective, theta: torch.Tensor) -> torch.Tensor:
    """Exact sharpness λ_max(∇²L(θ)) of net (2) for each row of ``theta`` (K, 3); shape (K,)."""
    return torch.linalg.eigvalsh(objective.hessian(theta))[:, -1]
