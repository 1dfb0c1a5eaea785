"""Type stubs of the compiled core. Use eos.single_neuron / eos.mean_model: they validate and broadcast."""
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

has_openmp: bool
has_float128: bool
longdouble_mantissa_bits: int

def max_threads() -> int: ...
def memory_cache_limit() -> int: ...
def memory_cache_bytes() -> int: ...
def set_memory_cache_limit(bytes: int) -> None: ...
def single_neuron(
    x0: npt.NDArray[Any],
    y0: npt.NDArray[Any],
    eta: npt.NDArray[Any],
    loss: str,
    beta: float,
    precision: str,
    max_steps: int,
    band_lo: float,
    band_hi: float,
    record_every: int,
    threads: int,
    progress: Callable[[int, int], None] | None,
) -> dict[str, np.ndarray | None]: ...
def loss_derivatives(
    s: npt.NDArray[Any], loss: str, beta: float, precision: str
) -> tuple[np.ndarray, np.ndarray]: ...
def mean_model(
    A0: npt.NDArray[Any],
    b0: npt.NDArray[Any],
    eta: npt.NDArray[Any],
    d: npt.NDArray[Any],
    precision: str,
    max_steps: int,
    record_every: int,
    threads: int,
    progress: Callable[[int, int], None] | None,
) -> dict[str, np.ndarray | None]: ...
def _tanh(s: npt.NDArray[Any], precision: str) -> np.ndarray:
    """tanh exactly as the kernels evaluate it (cpp/include/eos/fast_math.hpp), for tests against mpmath.
    s: a 1-D float64 (precision "double") or longdouble array."""
    ...
def _tanh_forms(s: npt.NDArray[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ranges, general, n = 0, n <= 2, n >= 3) for a 1-D float64 array s: the ranges of the reduction's n that the
    kernels assign |s| (bits 1, 2, 4: n = 0, n = 1 or 2, n >= 3) and tanh in double by the general form and by each
    shorter one (cpp/include/eos/fast_math.hpp), for tests that each form gives the general one's bits on its range."""
    ...
def _gauss(b: npt.NDArray[Any], precision: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(g, g', g'') = (φ + bΦ, Φ, φ) at b exactly as the mean-model kernels evaluate them
    (cpp/include/eos/gauss.hpp), for tests against mpmath. b: a 1-D float64 (precision "double") or longdouble
    (precisions "longdouble" and "double-double") array; the results in b's dtype (double-double rounded once)."""
    ...
def _gauss_dd(
    b_hi: npt.NDArray[np.float64], b_lo: npt.NDArray[np.float64]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(g, g', g'') in double-double at b = b_hi + b_lo, every word of them, through the vectorised loop the kernels
    run (cpp/include/eos/gauss.hpp): returns (g_hi, g_lo, dg_hi, dg_lo, d2g_hi, d2g_lo), float64."""
    ...
def _dd(
    op: str, a_hi: npt.NDArray[np.float64], a_lo: npt.NDArray[np.float64], b_hi: npt.NDArray[np.float64],
    b_lo: npt.NDArray[np.float64]
) -> tuple[np.ndarray, np.ndarray]:
    """op(a) or op(a, b) in the kernels' double-double arithmetic (cpp/include/eos/double_double.hpp), a = a_hi +
    a_lo, b = b_hi + b_lo: op is "add", "sub", "mul", "div", "sqrt", "tanh", "exp" or "log". Returns (hi, lo)."""
    ...
def simd_target() -> str:
    """The vector instruction set the kernels use here: "avx512", "avx2" or "base" (x86-64-v2, or a non-x86
    build). The environment variable EOS_SIMD caps it; every path gives identical results."""
    ...
