"""The two-parameter figures: their quick data pass their checks, and perturbed data fail them.

Each check is the paper's claim as a number, so a check that cannot fail is worthless: every figure is fed a
deliberately wrong dataset (a slope bent, a bias shifted, iterates pushed off the envelope) and must FAIL.
"""
from __future__ import annotations

import numpy as np
import pytest

from eos import theory as T
from eos.figures import registry

FIGS = registry()


def _passes(fig_id, data):
    checks = FIGS[fig_id].check(data)
    assert checks, f"figure {fig_id} made no checks"
    return [c.passed for c in checks]


def _perturbed(data, **changes):
    return {**data, **changes}


@pytest.fixture(scope="module")
def quick():
    """Quick-preset data of the cheap figures (a few seconds each), computed once for this module."""
    return {i: FIGS[i].compute("quick") for i in ("4", "5", "12", "mean-model-transition")}


@pytest.mark.parametrize("fig_id", ["4", "5", "12", "mean-model-transition"])
def test_quick_data_pass_and_plot(fig_id, quick, tmp_path):
    assert all(_passes(fig_id, quick[fig_id]))
    files = FIGS[fig_id].plot(quick[fig_id], tmp_path / "fig")
    assert {p.suffix for p in files} >= {".png", ".pdf"} and all(p.stat().st_size > 1000 for p in files)


def test_fig5_fails_on_a_perturbed_curve(quick):
    data = quick["5"]
    bent = _perturbed(data, g=data["g"] + 1e-3 * np.exp(-data["b"] ** 2))
    assert _passes("5", bent)[:2] == [False, False]  # no longer E ReLU(z + b) by quadrature, nor g(0) = 1/√(2π)


def test_fig4_fails_when_the_eos_run_ends_above_the_edge(quick):
    data = _perturbed(quick["4"], eos_gap=-0.01)
    assert _passes("4", data) == [True, True, False]


def test_fig12_fails_when_the_bouncing_iterates_leave_the_envelope(quick):
    data = quick["12"]
    off = _perturbed(data, eos_x=np.where(data["eos_phase"] == 1, 1.2 * data["eos_x"], data["eos_x"]))
    assert _passes("12", off) == [True, True, False, True]
    assert _passes("12", _perturbed(data, gf_sharpness=7.0 - 2.5))[0] is False


def test_mean_model_transition_fails_on_an_early_drop_or_a_broken_bound(quick):
    data = quick["mean-model-transition"]
    early = data["ratio"] >= 0.8
    dropped = _perturbed(data, b_1=np.where(early, data["b_1"] - 0.02, data["b_1"]))
    assert _passes("mean-model-transition", dropped)[1] is False  # d = 100 drops at 0.8 η*
    above = _perturbed(data, b_2=data["b_2"] + 0.01)
    result = _passes("mean-model-transition", above)
    assert result[6] is False  # Theorem 4's bound violated for d = 200
    scaled = _perturbed(data, b_3=data["b_3"] * 1.5)
    assert _passes("mean-model-transition", scaled)[4] is False  # d² b∞ no longer collapses


# --- Fig. 9: the quick data, and exact power laws ----------------------------------------------------------------


def _power_law_gap_data():
    data = {"betas": np.array([1.5, 2.0, 3.0, 10.0]), "gamma": 3, "x_tilde": 0.5}
    for i, beta in enumerate(data["betas"]):
        eta = np.geomspace(0.1, 1e-3, 9)
        data |= {f"eta_{i}": eta, f"gap_{i}": 0.7 * eta ** T.gap_exponent(beta), f"converged_{i}": np.ones(9, bool),
                 f"steps_{i}": np.full(9, 1000)}
    return data


def _power_law_bounce_data():
    data = {"betas": np.array([1.5, 5 / 3, 2.0, 4.0]), "gamma": 3, "x_tilde": 0.5, "band": np.array([2.0, 2.5])}
    for i, beta in enumerate(data["betas"]):
        eta = np.geomspace(0.1, 1e-3, 9)
        steps = 3 * eta ** -T.bouncing_exponent(beta) * (np.log(1 / eta) if beta == 2 else 1)
        data |= {f"eta_{i}": eta, f"band_steps_{i}": np.round(steps).astype(np.int64),
                 f"t_cross_{i}": np.round(2 * steps).astype(np.int64)}
    return data


def test_fig9_checks_pass_on_the_predicted_power_laws_and_fail_on_bent_ones():
    gap = _power_law_gap_data()
    assert all(_passes("9a", gap))
    bent = _perturbed(gap, **{f"gap_{i}": gap[f"gap_{i}"] * gap[f"eta_{i}"] ** 0.4 for i in range(4)})
    assert _passes("9a", bent) == [False, False, False, False, True]
    assert _passes("9a", _perturbed(gap, gap_0=-gap["gap_0"]))[-1] is False  # a gap below 0: λ∞ > 2/η

    bounce = _power_law_bounce_data()
    assert all(_passes("9b", bounce))
    bent = _perturbed(bounce, **{f"band_steps_{i}": bounce[f"band_steps_{i}"] * bounce[f"eta_{i}"] ** 0.4
                                 for i in range(4)})
    assert not any(_passes("9b", bent))


@pytest.mark.parametrize("fig_id", ["9a", "9b"])
def test_fig9_quick_data_pass_and_plot(fig_id, tmp_path):
    data = FIGS[fig_id].compute("quick")
    assert all(_passes(fig_id, data))
    files = FIGS[fig_id].plot(data, tmp_path / "fig")
    assert {p.suffix for p in files} == {".png", ".pdf", ".csv"}


# --- the regime map -----------------------------------------------------------------------------------------------


def test_regime_map_on_a_small_grid_passes_and_a_wrong_map_fails(monkeypatch, tmp_path):
    import eos.figures.regime_map as module

    monkeypatch.setitem(module.SIZE, "quick", 120)  # the checks and plot, not the resolution, are tested here
    data = module.compute("quick")
    assert data["scaled_sharpness"].shape == (120, 120)
    assert all(_passes("regime-map", data))
    # a map that kept the gradient-flow sharpness in the EoS region (no edge of stability) must fail
    x, y = np.meshgrid(data["grid"], data["grid"])
    no_edge = np.abs(y * y - x * x).astype(np.float32)
    assert _passes("regime-map", _perturbed(data, scaled_sharpness=no_edge))[:3] == [False, False, False]
    assert len(module.plot(data, tmp_path / "map")) == 2


@pytest.mark.slow
def test_regime_map_quick_preset_passes():
    assert all(_passes("regime-map", FIGS["regime-map"].compute("quick")))
