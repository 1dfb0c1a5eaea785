"""Settings and runs shared by the network figures (1, 2, 3, 6, 7, 8, 10, 11).

Figures that show the same training runs (2 and 10; 3a and 6; 3b and 7) get them from one cached function,
so ``eos reproduce`` trains each once per process. torch and eos.nn are imported inside the functions:
listing the figures needs neither.

``--quick`` is sized for a 2-core CPU (all network figures in about 10 minutes, CIFAR-10 ones included when
the data are present); ``--full`` uses the paper's sizes and is meant for a GPU. The settings of a run are
stored in its figure data under ``settings`` (a JSON string), so every saved figure says how it was made.
"""
from __future__ import annotations

import json
from functools import lru_cache

import numpy as np

from ._base import FigureSkipped

#: net (2) of Figs. 1, 2, 10, 11: d = 200, n = 300, λ = 3, total time η·steps = 10 (Fig. 1, 2, 10)
KNOWN_BASIS = {"d": 200, "n": 300, "lam": 3.0, "n_test": 10_000, "time": 10.0, "seed": 0, "dtype": "float64"}
#: the learning rates of Fig. 2 and Fig. 10
FIG2_ETAS = (2.5e-5, 2.5e-4, 2.5e-3)
#: Figs. 2 and 10 record every step up to FIG2_DENSE (the initial phase: ~100 steps at η = 2.5e-5, ~150 at
#: 2.5e-3) and about FIG2_POINTS evenly spaced steps over the whole run
FIG2_DENSE, FIG2_POINTS = 2000, 4000

#: net (7) of Figs. 3a and 6 (App. A.1). m and d set the sharpness (≈ m E[ReLU]²/4 ≈ 80 at init), so the
#: quick preset shrinks n only; 0.01 is a stable reference below 2/80 that the paper's 0.03 ... 0.2 lack.
TWO_LAYER = {
    "quick": {"d": 100, "m": 2000, "n": 4000, "lam": 5.0, "steps": 30, "lrs": [0.01, 0.03, 0.05, 0.07, 0.1, 0.2]},
    "full": {"d": 100, "m": 2000, "n": 20_000, "lam": 5.0, "steps": 30, "lrs": [0.01, 0.03, 0.05, 0.07, 0.1, 0.2]},
}

#: ResNet-18 on binary CIFAR-10, full-batch GD with a cosine schedule (Figs. 3b, 7). quick: an 8-wide
#: ResNet-18 (same depth and BatchNorm layout, 1/64 of the FLOPs) on the first 256 binary training images,
#: so that a 2-core CPU finishes in minutes; full: the paper's 64-wide net on all 10 000 images.
RESNET_GD = {
    "quick": {"width": 8, "n": 256, "steps": 20, "lrs": [0.01, 0.1, 0.4], "chunk": 256},
    "full": {"width": 64, "n": 10_000, "steps": 100, "lrs": [0.01, 0.1, 0.4], "chunk": 1000},
}
#: ResNet-18 on 10-class CIFAR-10 with SGD (Fig. 8); statistics every ``eval_every`` steps on ``n_eval`` images
RESNET_SGD = {
    "quick": {"width": 8, "n": 2000, "steps": 12, "lrs": [0.01, 0.4], "batch_sizes": [100, 1000],
              "eval_every": 4, "n_eval": 250},
    "full": {"width": 64, "n": 50_000, "steps": 1000, "lrs": [0.01, 0.1, 0.4], "batch_sizes": [100, 1000],
             "eval_every": 50, "n_eval": 10_000},
}


def require_torch():
    """Import torch, or skip the figure with the way to get it."""
    try:
        import torch
    except ImportError:
        raise FigureSkipped("needs PyTorch: pip install 'eos[torch]' (or any torch >= 2.1)") from None
    return torch


def settings_json(**settings) -> np.ndarray:
    """The settings of a run as a JSON string, stored beside the figure data (npz holds strings, not dicts)."""
    return np.array(json.dumps(settings, sort_keys=True))


def known_basis_problem(seed: int | None = None):
    """(train objective, test objective, θ0) of net (2) in the Fig. 1 setting (float64, on the CPU).

    The CPU even where there is a GPU: a GD step of net (2) is a few dozen tiny tensor operations, so on a GPU
    it is bound by kernel launches (bench/cuda_check.py, one learning rate: 677 µs per step on an H200 against
    290 on its host CPU, before the step was rewritten with fewer operations).
    """
    require_torch()
    from ..nn import KnownBasisObjective, known_basis_init, sparse_coding

    s = KNOWN_BASIS
    seed = s["seed"] if seed is None else seed
    data = sparse_coding(s["n"], s["d"], s["lam"], n_test=s["n_test"], seed=seed, dtype=s["dtype"], device="cpu")
    theta0 = known_basis_init(s["d"], seed=seed)
    return KnownBasisObjective(data.x, data.y), KnownBasisObjective(data.x_test, data.y_test), theta0


@lru_cache(maxsize=None)
def fig2_runs() -> dict[str, np.ndarray]:
    """GD on net (2) for η ∈ FIG2_ETAS over time 10, one run per η, recorded as FIG2_DENSE and FIG2_POINTS say.

    Returns per η (suffix ``_<i>``): ``step``, ``t`` (time η·step), ``loss``, ``b``, ``A`` = d(a⁻ + a⁺),
    ``max_loss_rise`` (see :class:`~eos.nn.KnownBasisRun`); and ``A0``.
    The same in both presets: the runs are cheap next to the figure's point (the smallest η needs 4·10⁵ steps).
    """
    from ..nn import gd_known_basis, steps_for_time

    obj, _, theta0 = known_basis_problem()
    d = KNOWN_BASIS["d"]
    out: dict[str, np.ndarray] = {"A0": np.float64(d * (theta0[0] + theta0[1]))}
    for i, eta in enumerate(FIG2_ETAS):
        steps = int(steps_for_time([eta], KNOWN_BASIS["time"])[0])
        record = np.union1d(np.arange(FIG2_DENSE), np.linspace(0, steps, FIG2_POINTS + 1).round())
        run = gd_known_basis(obj, theta0, [eta], steps, record_steps=record)
        out[f"step_{i}"] = run.record_step
        out[f"t_{i}"] = run.record_step * eta
        out[f"loss_{i}"] = run.record_loss[:, 0]
        out[f"b_{i}"] = run.record_theta[:, 0, 2]
        out[f"A_{i}"] = d * run.record_theta[:, 0, :2].sum(-1)
        out[f"max_loss_rise_{i}"] = run.max_loss_rise[0]
    return out


@lru_cache(maxsize=None)
def two_layer_runs(preset: str) -> dict[str, np.ndarray]:
    """30 GD steps of net (7) per learning rate (App. A.1). Per lr i: ``loss_i`` (steps,), ``bias_i`` (mean
    bias b̄ over the m units) and ``a_mean_i`` (mean second-layer weight ā), both (steps + 1,)."""
    require_torch()
    from ..nn import TwoLayerNet, sparse_coding, train

    s = TWO_LAYER[preset]
    data = sparse_coding(s["n"], s["d"], s["lam"], seed=0)

    def stats(model) -> dict[str, float]:
        return {"bias": float(model.b.mean()), "a_mean": float(model.a.mean())}

    out: dict[str, np.ndarray] = {"lrs": np.array(s["lrs"]), "settings": settings_json(**s)}
    for i, lr in enumerate(s["lrs"]):
        model = TwoLayerNet(s["d"], s["m"], seed=0).to(data.x.device)
        rec = train(model, data.x, data.y, lr=lr, steps=s["steps"], criterion="logistic", param_stats=stats)
        out[f"loss_{i}"], out[f"bias_{i}"], out[f"a_mean_{i}"] = rec["loss"], rec["bias"], rec["a_mean"]
    return out


def _cifar(**kw):
    """CIFAR-10 from where :func:`eos.nn.load_cifar10` looks (``EOS_DATA``, ``~/.cache/eos``), or skip."""
    from ..nn import CifarNotFound, load_cifar10

    try:
        return load_cifar10(**kw)
    except CifarNotFound as exc:
        raise FigureSkipped(str(exc)) from None


@lru_cache(maxsize=None)
def resnet_gd_runs(preset: str) -> dict[str, np.ndarray]:
    """Full-batch GD with a cosine schedule of ResNet-18 (one logit) on binary CIFAR-10 (App. A.2).

    Per initial lr i, every step: ``loss_i``, ``avg_logit_i`` (mean logit over the training set at θ_t,
    from the step's own forward pass) and ``median_bias_i`` (steps + 1,). Raises FigureSkipped without data.
    """
    require_torch()
    from ..nn import ResNet18, median_bias, train

    s = RESNET_GD[preset]
    x, y = _cifar(binary=True, n=s["n"])
    out: dict[str, np.ndarray] = {"lrs": np.array(s["lrs"]), "settings": settings_json(**s)}
    for i, lr in enumerate(s["lrs"]):
        model = ResNet18(1, s["width"], seed=0).to(x.device)
        rec = train(model, x, y, lr=lr, steps=s["steps"], criterion="logistic", chunk_size=s["chunk"],
                    schedule="cosine", param_stats=lambda m: {"median_bias": median_bias(m)})
        out[f"loss_{i}"], out[f"avg_logit_{i}"] = rec["loss"], rec["avg_output"]
        out[f"median_bias_{i}"] = rec["median_bias"]
    return out


def resnet_sgd_runs(preset: str) -> dict[str, np.ndarray]:
    """SGD (constant lr, no momentum) of ResNet-18 on 10-class CIFAR-10 for each batch size and lr (App. A.2).

    Per batch size j and lr i: ``median_bias_j_i`` (steps + 1,) and, every ``eval_every`` steps on the first
    ``n_eval`` training images, ``eval_step_j_i`` and ``avg_activation_j_i``. Raises FigureSkipped without data.
    """
    require_torch()
    from ..nn import ResNet18, median_bias, resnet_statistics, train

    s = RESNET_SGD[preset]
    x, y = _cifar(n=s["n"])
    x_eval = x[: s["n_eval"]]
    out: dict[str, np.ndarray] = {"lrs": np.array(s["lrs"]), "batch_sizes": np.array(s["batch_sizes"]),
                                  "settings": settings_json(**s)}
    for j, batch in enumerate(s["batch_sizes"]):
        for i, lr in enumerate(s["lrs"]):
            model = ResNet18(10, s["width"], seed=0).to(x.device)
            rec = train(model, x, y, lr=lr, steps=s["steps"], criterion="cross_entropy", batch_size=batch,
                        param_stats=lambda m: {"median_bias": median_bias(m)},
                        evaluate=lambda m: resnet_statistics(m, x_eval), eval_every=s["eval_every"])
            out[f"median_bias_{j}_{i}"] = rec["median_bias"]
            out[f"eval_step_{j}_{i}"] = rec["eval_step"]
            out[f"avg_activation_{j}_{i}"] = rec["avg_activation"]
    return out


def sign_changes(series: np.ndarray) -> int:
    """How often the increments of ``series`` change sign: an oscillation counter (0 for a monotone series)."""
    inc = np.sign(np.diff(np.asarray(series, dtype=float)))
    inc = inc[inc != 0]
    return int(np.count_nonzero(inc[1:] != inc[:-1]))
