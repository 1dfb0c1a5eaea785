"""The contract every figure of ``eos reproduce`` follows.

A figure is three pure functions tied to an id:

* ``compute(preset) -> dict`` does the numerical work (deterministic, seeded) and returns every array the
  figure shows, as numpy arrays or Python scalars. ``eos reproduce`` saves it as ``<stem>.npz`` beside the
  picture and caches it, so a rerun only recomputes what changed.
* ``plot(data, stem) -> list[Path]`` draws from that data alone and writes ``<stem>.png`` and ``<stem>.pdf``
  (and, where a table is natural, ``<stem>.csv``).
* ``check(data) -> list[Check]`` turns the paper's claim into numbers: measured vs expected, with a tolerance.

A figure that cannot be made on this machine (no torch, no CIFAR-10) raises :class:`FigureSkipped` from
``compute`` with a message saying why and how to fix it; it is reported as skipped, never faked.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

PRESETS = ("quick", "full")

Data = Mapping[str, Any]


@dataclass(frozen=True)
class Check:
    """One numerical check of a paper claim.

    ``expected`` and ``tolerance`` are numbers where the claim is a number; a short string (``"< 0"``,
    ``"[2/eta - 1e-3, 2/eta]"``) where it is a bound.
    """

    claim: str
    measured: float
    expected: float | str
    tolerance: float | str
    passed: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "measured": float(self.measured),
            "expected": self.expected if isinstance(self.expected, str) else float(self.expected),
            "tolerance": self.tolerance if isinstance(self.tolerance, str) else float(self.tolerance),
            "passed": bool(self.passed),
        }


class FigureSkipped(Exception):
    """Raised by ``compute`` when the figure cannot be made here; the message is the reason shown to users."""


@dataclass(frozen=True)
class Figure:
    """A reproducible figure: see the module docstring for the three functions."""

    id: str
    title: str
    compute: Callable[[str], dict[str, Any]]
    plot: Callable[[Data, Path], list[Path]]
    check: Callable[[Data], list[Check]]
    #: bump when compute() changes meaning, to invalidate cached data
    version: int = 1
    #: figures with the same non-empty ``shares`` show the same training runs (one cached function computes
    #: them), so ``eos reproduce --jobs N`` makes them one after the other in one process, training once
    shares: str = ""
