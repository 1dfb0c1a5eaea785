"""Smoke test of the bench driver (eos bench / bench/run.py) at a tiny size: it runs, writes its JSON, and eos
double agrees with the numpy peer. Timing is never asserted here: throughput is measured in bench/."""
from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from eos import bench


def run_bench(tmp_path, *extra: str) -> tuple[int, dict]:
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    out = tmp_path / "bench.json"
    args = parser.parse_args(["--n", "300", "--steps", "20", "--n-float128", "40", "--json", str(out), *extra])
    code = bench.main(args)
    return code, json.loads(out.read_text())


def test_bench_runs_and_eos_agrees_with_numpy(tmp_path, capsys):
    code, data = run_bench(tmp_path, "--models", "logistic,beta,mean", "--peers", "numpy")
    assert code == 0
    rows = data["rows"]
    assert {r["model"] for r in rows} == {"logistic", "beta", "mean"}
    for r in rows:
        assert r["msteps_per_s"] and r["msteps_per_s"] > 0, r
        if r["impl"] == "eos":
            assert r["init_steps"] == (40 if r["precision"] == "float128" else 300) * 20  # nothing stopped early
            assert r["peak_mb"] is not None
        if r["impl"] == "eos" and r["precision"] == "double":
            assert r["max_rel_diff_numpy"] is not None and r["max_rel_diff_numpy"] <= 1e-12
        if r["impl"] == "numpy":
            assert r["ratio_numpy"] == pytest.approx(1.0)
    assert "M init-steps/s" in capsys.readouterr().out


@pytest.mark.parametrize("model", bench.MODELS)
def test_numpy_reference_is_the_core_map(model):
    """The numpy peer computes the core's map: one step from known values, by hand."""
    init = bench.inputs(model, 4)
    u, v = bench.run_numpy(model, init, 1)
    if model == "mean":
        from scipy.special import erfc

        A, b = init["A"], init["b"]
        g = np.exp(-b * b / 2) / np.sqrt(2 * np.pi) + b * erfc(-b / np.sqrt(2)) / 2
        lp = np.tanh(A * g / 2) / 2
        np.testing.assert_allclose(u, A - 2 * bench.MM_D**2 * bench.MM_ETA * lp * g, rtol=1e-15)
        np.testing.assert_allclose(v, b - bench.MM_ETA * lp * A * erfc(-b / np.sqrt(2)) / 2, rtol=1e-15, atol=0)
        return
    x, y = init["x"], init["y"]
    s = x * y
    c, r = bench.beta_constants()
    d1 = {"logistic": np.tanh(s), "sqrt": s / np.sqrt(1 + s * s), "huber": np.clip(s, -1, 1),
          "beta": np.where(np.abs(s) <= r, s * (1 - c * np.abs(s) ** bench.BETA), np.sign(s))}[model]
    np.testing.assert_allclose(u, x - bench.SN_ETA * d1 * y, rtol=1e-15)
    np.testing.assert_allclose(v, y - bench.SN_ETA * d1 * x, rtol=1e-15)


def test_unknown_peer_is_refused(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    assert bench.main(parser.parse_args(["--peers", "fortran"])) == 2


def test_cuda_check_script_imports_and_refuses_without_a_gpu(monkeypatch, capsys):
    """bench/cuda_check.py (the CPU-vs-CUDA comparison of the torch experiments) still matches eos.nn's API;
    without a GPU it says so and exits with status 2 instead of comparing the CPU with itself."""
    torch = pytest.importorskip("torch")
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "cuda_check.py"
    spec = importlib.util.spec_from_file_location("cuda_check", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.rel_diff([1.0, 2.0], [1.0, 2.5]) == pytest.approx(0.5 / 2.5)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr("sys.argv", ["cuda_check.py"])
    assert module.main() == 2
    assert "no CUDA device" in capsys.readouterr().err
