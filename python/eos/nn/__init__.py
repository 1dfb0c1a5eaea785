"""The network experiments of the paper in PyTorch (optional: needs torch >= 2.1).

* data — :func:`sparse_coding` (model (1)), :func:`load_cifar10` (binary or 10-class, from a local folder);
* models — the known-basis net (2) as a batched objective (:class:`KnownBasisObjective`), the two-layer net
  (7) (:class:`TwoLayerNet`), :class:`ResNet18` for 32×32 inputs with its bias statistics;
* training — :func:`gd_known_basis` (a whole learning-rate sweep as one batched loop) and :func:`train`
  (GD or SGD with per-step records);
* sharpness — :class:`Sharpness` (warm-started Lanczos on Hessian-vector products), :func:`lanczos`, and the
  exact :func:`known_basis_sharpness` of net (2).

Everything takes ``device="auto"`` (CUDA when available) and computes in float32 unless asked for float64.
"""
from .cifar import CifarNotFound, load_cifar10
from .data import SparseCoding, sparse_coding
from .models import (
    KnownBasisObjective,
    ResNet18,
    TwoLayerNet,
    batch_statistics,
    known_basis_init,
    known_basis_net,
    median_bias,
    resnet_statistics,
)
from .sharpness import Sharpness, known_basis_sharpness, lanczos
from .train import KnownBasisRun, gd_known_basis, logistic_loss, steps_for_time, train

__all__ = [
    "CifarNotFound",
    "KnownBasisObjective",
    "KnownBasisRun",
    "ResNet18",
    "Sharpness",
    "SparseCoding",
    "TwoLayerNet",
    "batch_statistics",
    "gd_known_basis",
    "known_basis_init",
    "known_basis_net",
    "known_basis_sharpness",
    "lanczos",
    "load_cifar10",
    "logistic_loss",
    "median_bias",
    "resnet_statistics",
    "sparse_coding",
    "steps_for_time",
    "train",
]
