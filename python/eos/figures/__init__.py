"""Every figure of the paper, one module each (``fig01_*.py`` ... ``fig12_*.py`` and the extras).

Each module exports ``FIGURE`` (or ``FIGURES``, a list) of :class:`~eos.figures._base.Figure`; this package
discovers them, so adding a figure is adding a module. Modules import heavy or optional packages (torch)
inside ``compute`` only, so listing the figures is cheap and works without them.
"""
from __future__ import annotations

import importlib
import pkgutil
import re

from ._base import PRESETS, Check, Figure, FigureSkipped

__all__ = ["PRESETS", "Check", "Figure", "FigureSkipped", "registry"]


def _order(fig_id: str) -> tuple:
    m = re.fullmatch(r"(\d+)([a-z]?)", fig_id)
    return (0, int(m.group(1)), m.group(2)) if m else (1, 0, fig_id)


def registry() -> dict[str, Figure]:
    """All figures by id, in paper order (numbered figures first, then the extras)."""
    found: dict[str, Figure] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        figs = list(getattr(mod, "FIGURES", [])) + ([mod.FIGURE] if hasattr(mod, "FIGURE") else [])
        for fig in figs:
            if fig.id in found:
                raise RuntimeError(f"figure id {fig.id!r} defined twice ({info.name})")
            found[fig.id] = fig
    return dict(sorted(found.items(), key=lambda kv: _order(kv[0])))
