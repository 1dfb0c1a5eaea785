"""The network figures: listing needs no torch, checks read the data right, Fig. 11 end to end."""
import subprocess
import sys

import numpy as np
import pytest

from eos.figures import registry
from eos.figures._nn_runs import sign_changes

NN_FIGURES = ("1", "2", "3a", "3b", "6", "7", "8", "10", "11")


def test_registry_lists_network_figures_without_importing_torch():
    code = ("import sys, eos.figures as f; ids = list(f.registry()); "
            "assert 'torch' not in sys.modules, 'torch imported'; print(','.join(ids))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert set(NN_FIGURES) <= set(out.strip().split(","))


def test_sign_changes():
    assert sign_changes([0, 1, 2, 3]) == 0
    assert sign_changes([0, 1, 0, 1, 0]) == 3
    assert sign_changes([0, 1, 1, 2, 1]) == 1  # flat steps do not count


def fig1_data(b, rise):
    eta = np.linspace(5e-4, 7.5e-4, len(b))
    return {"eta": eta, "b": np.asarray(b, float), "max_loss_rise": np.asarray(rise, float),
            "test_accuracy": np.linspace(0.6, 0.7, len(b)), "eta_star": 6.283e-4}


def test_fig1_transition_checks():
    from eos.figures.fig01_threshold_sweep import transitions

    check = registry()["1"].check
    # η = 5e-4, 5.5e-4, ..., 7.5e-4: the loss rises from 6e-4 on, the bias drops by more than 0.01 from 6.5e-4 on
    data = fig1_data([-0.3, -0.3, -0.305, -0.32, -0.4, -0.5], [-1, -1, 1e-4, 1e-2, 1, 1])
    assert transitions(data) == {"bias": pytest.approx(6.5e-4), "loss": pytest.approx(6e-4)}
    assert [c.passed for c in check(data)] == [True, True, True]
    late = fig1_data([-0.3] * 5 + [-0.5], [-1] * 5 + [1])  # transition at 7.5e-4: 19% off
    assert [c.passed for c in check(late)][:2] == [False, False]


def test_fig6_check_separates_oscillation_from_drift():
    check = registry()["6"].check
    steps = np.arange(31)
    data = {"lrs": np.array([0.01, 0.1]), "a_mean_0": 1e-3 * steps, "a_mean_1": (-1.0) ** steps}
    assert [c.passed for c in check(data)] == [True, True]
    data["a_mean_1"] = steps.astype(float)
    assert [c.passed for c in check(data)] == [True, False]


def test_fig11_end_to_end(tmp_path):
    pytest.importorskip("torch")
    fig = registry()["11"]
    data = fig.compute("quick")
    assert data["sharpness"].shape == (501, 3)
    assert all(p.exists() for p in fig.plot(data, tmp_path / "fig11"))
    checks = fig.check(data)
    assert len(checks) == 6 and all(c.passed for c in checks), [c for c in checks if not c.passed]


@pytest.mark.slow
@pytest.mark.parametrize("fig_id", ["1", "2", "10", "3a", "6"])
def test_network_figure_quick_preset_passes(fig_id, tmp_path):
    pytest.importorskip("torch")
    fig = registry()[fig_id]
    data = fig.compute("quick")
    fig.plot(data, tmp_path / f"fig{fig_id}")
    failed = [c for c in fig.check(data) if not c.passed]
    assert not failed, failed
