"""The core's cache of array memory (eos.memory_cache): reused blocks never change a result, and the limit holds."""
import subprocess
import sys

import numpy as np
import pytest

import eos
from eos import _core

PRECISIONS = ["double", "longdouble", "double-double"] + (["float128"] if _core.has_float128 else [])
N = 150_000  # 1.2 MB per float64 array: above the cache's 1 MiB threshold


@pytest.fixture(autouse=True)
def default_limit():
    limit = eos.memory_cache()["limit"]
    yield
    eos.memory_cache(limit)


def inputs(seed):
    rng = np.random.default_rng(seed)
    # both sides of the edge, so that the output fields have varied values; and chains that have converged at
    # t = 0 (x0 = 0, and A0 = x0 + 0.3 = 0 below), which no lane hands back: their counters are written apart
    x = rng.uniform(0.2, 1.5, N)
    x[:500] = -0.3
    x[500:1000] = 0.0
    return x, rng.uniform(0.5, 3.0, N), rng.uniform(0.1, 1.2, N)


def run(model, precision, seed):
    x, y, eta = inputs(seed)
    steps = 60 if precision in ("double", "double-double") else 6  # the scalar precisions: a second each
    if model == "single_neuron":
        return _core.single_neuron(x, y, eta, "logistic", 0.0, precision, steps, 2.0, 2.5, steps // 3, 2, None)
    return _core.mean_model(x + 0.3, y - 1.5, eta, np.full(1, 5.0), precision, steps, steps // 3, 2, None)


def poison(result):
    """Overwrite every returned array, so that a block that reaches the cache holds values no call writes."""
    for v in result.values():
        if isinstance(v, np.ndarray):
            v[...] = 7 if v.dtype.kind in "iub" else np.nan


@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("model", ["single_neuron", "mean_model"])
def test_reused_blocks_give_the_bits_of_fresh_memory(model, precision):
    eos.memory_cache(0)
    fresh = run(model, precision, 1)
    assert eos.memory_cache()["held"] == 0
    eos.memory_cache(256 << 20)
    other = run(model, precision, 2)
    poison(other)
    del other
    held = eos.memory_cache()["held"]
    assert held >= 6 * N * 8  # the returned arrays of >= 1 MiB, back in the cache
    again = run(model, precision, 1)
    assert eos.memory_cache()["held"] < held  # the call took its blocks from the cache
    assert fresh.keys() == again.keys()
    for key, v in fresh.items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(again[key], v, err_msg=key)
    assert 0 < np.count_nonzero(fresh["t_cross"] >= 0) < N
    assert np.count_nonzero((fresh["steps"] == 0) & fresh["converged"]) >= 500


def test_limit_is_kept_and_validated():
    eos.memory_cache(3 << 20)
    result = run("single_neuron", "double", 3)
    del result
    state = eos.memory_cache()
    assert state["limit"] == 3 << 20 and 0 < state["held"] <= 3 << 20
    assert eos.memory_cache(0) == {"limit": 0, "held": 0}
    with pytest.raises(ValueError, match="limit must be an integer in"):
        eos.memory_cache(-1)
    with pytest.raises(TypeError, match="limit must be an integer"):
        eos.memory_cache(1.5)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc/self/status")
def test_out_of_memory_frees_the_cached_blocks_first():
    """A call whose arrays fit only once the cache lets go of its blocks (of another size) still runs: 141 MiB of
    blocks from a 2·10⁶-chain call are held, and the address space is then capped 180 MiB above what the process
    maps, less than the ~225 MB that a 3·10⁶-chain call allocates."""
    code = (
        "import resource, numpy as np, eos\n"
        "vm = lambda: next(int(l.split()[1]) * 1024 for l in open('/proc/self/status') if l.startswith('VmSize:'))\n"
        "x, y = np.full(2_000_000, 0.5), np.full(2_000_000, 1.5)\n"
        "r = eos.single_neuron(x, y, 0.1, precision='double', max_steps=2); del r\n"
        "held = eos.memory_cache()['held']\n"
        "x, y = np.full(3_000_000, 0.5), np.full(3_000_000, 1.5)\n"
        "resource.setrlimit(resource.RLIMIT_AS, (vm() + (180 << 20), resource.RLIM_INFINITY))\n"
        "r = eos.single_neuron(x, y, 0.1, precision='double', max_steps=2)\n"
        "print(held >> 20, eos.memory_cache()['held'], r.steps.min())\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    held_mib, held_after, steps = map(int, p.stdout.split())
    assert held_mib >= 140 and held_after == 0 and steps == 2
