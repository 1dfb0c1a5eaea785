"""What both models share around a core call: the working dtype, the progress bar, and reshaping."""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

import numpy as np


def dtype_of(precision: str) -> type:
    """The numpy dtype of inputs and extended outputs: float64 for "double", np.longdouble otherwise
    (float128 results are rounded to long double; small derived quantities are rounded only once, at the end)."""
    return np.float64 if precision == "double" else np.longdouble


@contextlib.contextmanager
def progress_bar(enabled: bool, max_steps: int, desc: str) -> Iterator[Callable[[int, int], None] | None]:
    """A callback for the core, which calls it between rounds with (steps done, chains still running)."""
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=max_steps, desc=desc, unit="step", unit_scale=True, dynamic_ncols=True) as bar:

        def update(done: int, running: int) -> None:
            bar.update(done - bar.n)
            bar.set_postfix(running=running, refresh=False)

        yield update


def shaped(raw: dict[str, Any], shape: tuple[int, ...]) -> dict[str, Any]:
    """Give every per-run array the broadcast shape S (S + (R, 2) for the trajectory); 0-d become scalars."""
    out = {}
    for key, value in raw.items():
        if value is None:
            out[key] = None
        elif key == "trajectory":
            out[key] = value.reshape(shape + value.shape[1:])
        else:
            out[key] = value.reshape(shape)[()]
    return out
