"""Argument checks shared by the public functions: every bad input is a ValueError/TypeError naming the
argument and what is allowed, raised before any work starts."""
from __future__ import annotations

import numbers
from typing import Any, Sequence

import numpy as np

from . import _core

#: bytes a recorded trajectory may take before we refuse (it is allocated up front)
MAX_TRAJECTORY_BYTES = 4 * 2**30


def choice(name: str, value: Any, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def precision(value: Any, *, auto: bool = False) -> str:
    """A working precision; with auto=True also "auto" (single_neuron's choice by expected accuracy)."""
    allowed = ("double", "longdouble", "double-double", "float128") + (("auto",) if auto else ())
    choice("precision", value, allowed)
    if value == "float128" and not _core.has_float128:
        raise ValueError(
            "precision='float128' needs a build with GCC's __float128 and libquadmath, which this build of "
            "eos lacks (rebuild with a GCC toolchain on x86-64, or use precision='longdouble')"
        )
    return value


def integer(name: str, value: Any, minimum: int, maximum: int = 2**62) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__}")
    if not minimum <= int(value) <= maximum:
        raise ValueError(f"{name} must be an integer in [{minimum}, {maximum}]; got {value}")
    return int(value)


def threads(value: Any) -> int:
    """None means all threads OpenMP offers; otherwise an integer >= 1."""
    if value is None:
        return _core.max_threads()
    return integer("threads", value, 1, 4096)


def real(name: str, value: Any, *, lower: float | None = None, lower_open: bool = True) -> float:
    """A finite Python/numpy real scalar, optionally bounded below."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite; got {value}")
    if lower is not None and (v <= lower if lower_open else v < lower):
        raise ValueError(f"{name} must be {'>' if lower_open else '>='} {lower}; got {value}")
    return v


def broadcast(dtype: type, shared: tuple[str, ...] = (), finite_in_core: tuple[str, ...] = (),
              **arrays: Any) -> tuple[list[np.ndarray], tuple[int, ...]]:
    """Convert each named input to `dtype` and broadcast them together.

    Returns flat contiguous arrays (what the core takes) and the common shape S. Inputs of np.longdouble are
    used exactly when dtype is np.longdouble; where dtype is np.longdouble, an input whose every value is a
    double (float16/32/64, integers of up to 32 bits) goes as float64 instead, which the core widens exactly and
    in parallel (numpy's cast to long double runs on one thread). An input named in `shared` that holds a single
    value stays one value (length 1: the core gives it to every run) instead of being copied to the size of S.
    Every input must be finite (a ValueError otherwise); those named in `finite_in_core` are checked by the core
    as it reads them (in parallel, with the same message), not here.
    """
    converted = []
    for name, value in arrays.items():
        a = np.asarray(value)
        if a.dtype.kind not in "biuf" or a.dtype.kind == "b":
            raise TypeError(f"{name} must be a real number or an array of real numbers; got dtype {a.dtype}")
        exact_in_double = a.dtype.itemsize <= (8 if a.dtype.kind == "f" else 4)
        a = a.astype(np.float64 if exact_in_double else dtype, copy=False)
        if name not in finite_in_core and not np.all(np.isfinite(a)):
            raise ValueError(f"{name} must be finite; it has {np.count_nonzero(~np.isfinite(a))} non-finite entries")
        converted.append(a)
    try:
        shape = np.broadcast_shapes(*(a.shape for a in converted))
    except ValueError:
        shapes = ", ".join(f"{n}{a.shape}" for n, a in zip(arrays, converted))
        raise ValueError(f"inputs do not broadcast together: {shapes}") from None
    flat = [np.ascontiguousarray(a.reshape(1) if name in shared and a.size == 1 else np.broadcast_to(a, shape).ravel())
            for name, a in zip(arrays, converted)]
    return flat, shape


def positive(name: str, a: np.ndarray, minimum: float = 0.0, inclusive: bool = False) -> None:
    bad = a < minimum if inclusive else a <= minimum
    if np.any(bad):
        op = ">=" if inclusive else ">"
        raise ValueError(f"{name} must be {op} {minimum} everywhere; got {a[bad].flat[0]}")


def trajectory_size(n: int, max_steps: int, record_every: int, itemsize: int) -> None:
    if record_every == 0:
        return
    need = n * (max_steps // record_every + 1) * 2 * itemsize
    if need > MAX_TRAJECTORY_BYTES:
        raise ValueError(
            f"record_every={record_every} would record {need / 2**30:.1f} GiB of trajectory for {n} runs of "
            f"{max_steps} steps (the limit is {MAX_TRAJECTORY_BYTES / 2**30:.0f} GiB): record less often, "
            "fewer runs, or fewer steps"
        )
