"""eos: gradient descent at the edge of stability, in extended precision.

The models of "Learning threshold neurons via the edge of stability" (Ahn, Bubeck, Chewi, Lee, Suarez,
Zhang; NeurIPS 2023), run by a compiled core over millions of initialisations at once:

* :func:`single_neuron` — GD on f(x, y) = l(xy) for the losses of Example 1;
* :func:`mean_model` — GD on the mean model (A, b) of the known-basis ReLU net;
* :mod:`eos.theory` — the closed forms and predictions; :mod:`eos.nn` — the PyTorch networks;
  :mod:`eos.figures` — every figure of the paper (``eos reproduce``).
"""
from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version

try:
    from . import _core
except ImportError as exc:  # pragma: no cover - only without a build
    raise ImportError(
        "eos's compiled core (eos._core) could not be imported. Was the package built? Install it from the "
        f"source tree with `pip install .` (original error: {exc})"
    ) from exc

from .memory import memory_cache
from .models import LOSSES, MeanModelResult, SingleNeuronResult, mean_model, single_neuron

try:
    __version__ = version("eos")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
    __version__ = "0+unknown"

__all__ = [
    "LOSSES", "MeanModelResult", "SingleNeuronResult", "__version__", "mean_model", "memory_cache", "single_neuron",
]

_LAZY = ("theory", "figures", "nn")


def __getattr__(name: str):
    # Subpackages that pull in scipy, matplotlib or torch load on first use, so `import eos` stays light.
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'eos' has no attribute {name!r}")
