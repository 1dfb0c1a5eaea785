"""Training loops with per-step records.

* :func:`gd_known_basis` runs full-batch GD on net (2) for a whole batch of learning rates at once: the
  parameters carry a leading dimension K (one row per η) and runs of different lengths share one loop, each
  row frozen once its own step count is reached.
* :func:`train` runs full-batch GD or mini-batch SGD on any ``nn.Module`` (net (7), ResNet-18) with the
  logistic or the cross-entropy loss, an optional cosine schedule, and records loss, mean output, parameter
  statistics, evaluations and sharpness as it goes.
"""
from __future__ import annotations

import bisect
import math
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .models import KnownBasisObjective
from .sharpness import Sharpness, known_basis_sharpness


def logistic_loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean of l_logi(y f) = log(1 + e^{−y f}) for outputs f (n,) and labels y ∈ {±1} (n,)."""
    return F.softplus(-y * out).mean()


CRITERIA: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "logistic": logistic_loss,
    "cross_entropy": F.cross_entropy,
}


def steps_for_time(eta, total_time: float) -> np.ndarray:
    """Step counts round(T/η) that make every run last the same time T = η·steps (Fig. 1: T = 10)."""
    return np.rint(total_time / np.asarray(eta, dtype=np.float64)).astype(np.int64)


@dataclass(frozen=True)
class KnownBasisRun:
    """Result of :func:`gd_known_basis` for K learning rates, as numpy arrays.

    ``theta`` (K, 3) final (a⁻, a⁺, b); ``train_loss`` (K,) final training loss; ``max_loss_rise`` (K,) the
    largest relative one-step increase max_t (L_{t+1} − L_t)/L_t, negative iff the loss decreased at every
    step; ``test_accuracy`` (K,) at the end (NaN without a test sample). Records at the steps
    ``record_step`` (R,): ``record_theta`` (R, K, 3), ``record_loss`` (R, K) and ``record_sharpness`` (R, K)
    (exact top Hessian eigenvalue; NaN when not asked for), all NaN after a row's own last step.
    """

    eta: np.ndarray
    steps: np.ndarray
    theta: np.ndarray
    train_loss: np.ndarray
    max_loss_rise: np.ndarray
    test_accuracy: np.ndarray
    record_step: np.ndarray
    record_theta: np.ndarray
    record_loss: np.ndarray
    record_sharpness: np.ndarray


def gd_known_basis(
    objective: KnownBasisObjective,
    theta0,
    eta,
    steps,
    *,
    record_every: int = 0,
    record_steps=None,
    sharpness: bool = False,
    test: KnownBasisObjective | None = None,
) -> KnownBasisRun:
    """Full-batch GD θ_{t+1} = θ_t − η ∇L(θ_t) on net (2), for K learning rates in one batched loop.

    ``theta0`` (3,) or (K, 3) start; ``eta`` (K,) learning rates; ``steps`` an int or (K,) step counts (see
    :func:`steps_for_time`). All rows advance together until the longest run ends; a row whose own count is
    reached is frozen. Rows are kept sorted by decreasing length so the live rows are a leading slice and
    finished runs cost nothing. ``record_every`` > 0 records θ, L (and, with ``sharpness``, the exact
    sharpness) at steps 0, r, 2r, ...; or ``record_steps`` lists the steps to record at (e.g. every step of
    a short initial phase, sparsely after). ``test`` is the objective on a test sample for the final accuracy.
    Computes in the objective's dtype and device.
    """
    like = objective.y
    with _single_thread(like.device):
        return _gd_known_basis(objective, like, theta0, eta, steps, record_every, record_steps, sharpness, test)


@contextmanager
def _single_thread(device: torch.device):
    """One intra-op CPU thread: the per-step tensors of net (2) are tiny (n × K), so threading only adds
    synchronisation, which costs 40× when the cores are shared with other work (measured: 8 ms vs 0.2 ms
    per step on a loaded 2-core machine)."""
    if device.type != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _gd_known_basis(objective, like, theta0, eta, steps, record_every, record_steps, sharpness, test):
    eta_t = torch.as_tensor(np.asarray(eta, dtype=np.float64)).to(like)
    K = eta_t.numel()
    steps_np = np.broadcast_to(np.asarray(steps, dtype=np.int64), (K,)).copy()
    order = np.argsort(-steps_np, kind="stable")
    eta_t = eta_t[torch.as_tensor(order, device=like.device)]
    theta = torch.as_tensor(np.asarray(theta0, dtype=np.float64)).to(like).expand(K, 3)
    theta = theta[torch.as_tensor(order, device=like.device)].clone()
    desc = steps_np[order].tolist()
    asc = desc[::-1]
    total = desc[0]

    if record_steps is None:
        record_steps = np.arange(0, total + 1, record_every) if record_every else np.zeros(0, dtype=np.int64)
    record_steps = np.unique(np.asarray(record_steps, dtype=np.int64))
    record_steps = record_steps[(record_steps >= 0) & (record_steps <= total)]
    slot = {int(t): r for r, t in enumerate(record_steps)}
    n_rec = len(record_steps)
    rec_theta = torch.full((n_rec, K, 3), math.nan).to(like)
    rec_loss = torch.full((n_rec, K), math.nan).to(like)
    rec_sharp = torch.full((n_rec, K), math.nan).to(like)
    rise = torch.full((K,), -math.inf).to(like)
    final_loss = torch.empty(K).to(like)
    eta_col = eta_t[:, None]
    # A step is a few dozen tiny tensor operations at ~2 µs each, so the loop avoids the ones it can: slices of the
    # whole batch, copies (prev is the last loss itself), and writes of empty ranges.
    for t in range(total + 1):
        alive = K - bisect.bisect_left(asc, t)  # rows whose θ_t exists (steps ≥ t)
        moving = K - bisect.bisect_right(asc, t)  # rows that still take a step (steps > t)
        th = theta if alive == K else theta[:alive]
        loss, g = objective.loss_and_grad(th)
        if t:
            p, rs = prev[:alive], rise[:alive]
            torch.maximum(rs, (loss - p) / p, out=rs)
        prev = loss
        if moving < alive:
            final_loss[moving:alive] = loss[moving:]
        r = slot.get(t)
        if r is not None:
            rec_theta[r, :alive] = th
            rec_loss[r, :alive] = loss
            if sharpness:
                rec_sharp[r, :alive] = known_basis_sharpness(objective, th)
        if moving == K:
            theta -= eta_col * g
        elif moving:
            theta[:moving] -= eta_col[:moving] * g[:moving]

    inverse = torch.as_tensor(np.argsort(order), device=like.device)
    acc = test.accuracy(theta) if test is not None else torch.full((K,), math.nan).to(like)

    def out(x: torch.Tensor, dim: int = 0) -> np.ndarray:
        return x.index_select(dim, inverse).cpu().numpy()

    return KnownBasisRun(
        eta=np.asarray(eta, dtype=np.float64).reshape(K),
        steps=steps_np,
        theta=out(theta),
        train_loss=out(final_loss),
        max_loss_rise=out(rise),
        test_accuracy=out(acc),
        record_step=record_steps,
        record_theta=out(rec_theta, 1),
        record_loss=out(rec_loss, 1),
        record_sharpness=out(rec_sharp, 1),
    )


def cosine_lr(lr: float, t: int, steps: int) -> float:
    """Cosine schedule from ``lr`` at t = 0 to 0 at t = steps: lr · ½(1 + cos(π t/steps))."""
    return lr * 0.5 * (1.0 + math.cos(math.pi * t / steps))


def train(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    lr: float,
    steps: int,
    criterion: str = "logistic",
    batch_size: int | None = None,
    chunk_size: int | None = None,
    schedule: str = "constant",
    param_stats: Callable[[nn.Module], dict[str, float]] | None = None,
    evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
    eval_every: int = 1,
    sharpness_every: int = 0,
    sharpness: Sharpness | None = None,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Train ``model`` in place by plain GD (``batch_size`` None: full batch) or SGD, no momentum, no decay.

    ``criterion`` is "logistic" (one output, y ∈ {±1}) or "cross_entropy" (class logits, integer y).
    ``chunk_size`` splits each (full or mini) batch for memory; gradients are accumulated with weights
    |chunk|/|batch|, and BatchNorm normalises each chunk by its own statistics. ``schedule`` is "constant"
    or "cosine" (:func:`cosine_lr`). SGD draws batches from epoch-wise permutations seeded by ``seed``.

    Returns numpy arrays. Every step t = 0 .. steps−1: ``step``, ``lr``, ``loss`` and ``avg_output`` (mean
    network output over the batch, from the forward pass of that step, i.e. at θ_t), and one array per key
    of ``param_stats(model)``, taken at θ_t and once more at θ_steps (so these have steps + 1 entries).
    Every ``eval_every`` steps and at the end: ``eval_step`` and one array per key of ``evaluate(model)``.
    Every ``sharpness_every`` steps: ``sharpness_step`` and ``sharpness`` (k,) on the whole of (x, y).
    """
    crit = CRITERIA[criterion]
    n = len(x)
    gen = torch.Generator().manual_seed(seed)
    perm, pos = None, n
    rec: dict[str, list] = defaultdict(list)
    sharp = sharpness or Sharpness()
    params = [p for p in model.parameters() if p.requires_grad]

    @torch.no_grad()
    def observe(t: int) -> None:
        for key, val in (param_stats(model) if param_stats else {}).items():
            rec[key].append(val)
        if evaluate and (t % eval_every == 0 or t == steps):
            rec["eval_step"].append(t)
            for key, val in evaluate(model).items():
                rec[key].append(val)

    model.train()
    for t in range(steps):
        observe(t)
        if sharpness_every and t % sharpness_every == 0:
            rec["sharpness_step"].append(t)
            rec["sharpness"].append(sharp.of_model(model, x, y, crit, chunk_size=chunk_size).cpu().numpy())
        if batch_size is None:
            xb, yb = x, y
        else:
            if pos + batch_size > n:
                perm, pos = torch.randperm(n, generator=gen).to(x.device), 0
            idx = perm[pos : pos + batch_size]
            pos += batch_size
            xb, yb = x[idx], y[idx]
        lr_t = cosine_lr(lr, t, steps) if schedule == "cosine" else lr
        for p in params:
            p.grad = None
        loss_sum = out_sum = 0.0
        for xc, yc in zip(xb.split(chunk_size or len(xb)), yb.split(chunk_size or len(xb))):
            out = model(xc)
            loss = crit(out, yc) * (len(xc) / len(xb))
            loss.backward()
            loss_sum += float(loss.detach())
            out_sum += float(out.detach().mean()) * (len(xc) / len(xb))
        rec["step"].append(t)
        rec["lr"].append(lr_t)
        rec["loss"].append(loss_sum)
        rec["avg_output"].append(out_sum)
        with torch.no_grad():
            for p in params:
                p -= lr_t * p.grad
    observe(steps)
    return {key: np.asarray(val) for key, val in rec.items()}
