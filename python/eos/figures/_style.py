"""One look for every figure: sizes for a two-column paper, a colour per role, theory as dashed black."""
from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")  # figures are files; never open a window
import matplotlib.pyplot as plt  # noqa: E402

#: inches; a NeurIPS column is ~3.3 in, the full text width ~6.75 in
COLUMN_WIDTH = 3.4
FULL_WIDTH = 6.9

#: colour-blind-safe palette (Okabe-Ito), used in this order for series (learning rates, beta, d, ...)
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
#: roles that keep their colour across figures
GD_COLOR = "#0072B2"
FLOW_COLOR = "#009E73"
EOS_COLOR = "#D55E00"
THEORY = dict(color="black", linestyle="--", linewidth=1.0)

plt.rcParams.update(
    {
        "font.size": 8,
        "axes.labelsize": 8,
        "axes.titlesize": 8,
        "legend.fontsize": 7,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "lines.linewidth": 1.2,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "savefig.bbox": "tight",
        "pdf.fonttype": 42,
    }
)


def new_figure(nrows: int = 1, ncols: int = 1, width: str = "column", height: float | None = None, **kw):
    """Create a figure sized for the paper: ``width`` is "column" or "full"; height defaults to a 4:3 panel."""
    w = COLUMN_WIDTH if width == "column" else FULL_WIDTH
    h = height if height is not None else 0.75 * w / ncols * nrows
    return plt.subplots(nrows, ncols, figsize=(w, h), constrained_layout=True, squeeze=False, **kw)


def save(fig, stem: Path) -> list[Path]:
    """Write ``stem.png`` (200 dpi) and ``stem.pdf``, close the figure, return the two paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    fig.savefig(paths[0], dpi=200)
    fig.savefig(paths[1])
    plt.close(fig)
    return paths


#: the quasi-static envelope of the bouncing phase (Fig. 12's purple)
ENVELOPE_COLOR = "#7B3294"
#: the phases of an EoS run (Fig. 12): flow, bouncing, converging
PHASE_COLORS = {"flow": GD_COLOR, "bouncing": "#E69F00", "converging": "#D55E00"}


def save_csv(stem: Path, columns: dict, header_note: str = "") -> Path:
    """Write equal-length 1-d ``columns`` (name -> array) to ``stem.csv``, full float64 precision; return the path.

    ``header_note`` becomes a leading ``#`` comment line (units, parameters).
    """
    path = Path(stem).with_suffix(".csv")
    names = list(columns)
    table = np.column_stack([np.asarray(columns[n], dtype=float) for n in names])
    with open(path, "w") as f:
        if header_note:
            f.write(f"# {header_note}\n")
        np.savetxt(f, table, delimiter=",", header=",".join(names), comments="", fmt="%.17g")
    return path
