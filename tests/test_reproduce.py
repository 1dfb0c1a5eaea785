"""`eos reproduce`: the report's schema, caching, failure isolation and the command line, on the cheap Fig. 5."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

import eos
from eos import reproduce as R
from eos.figures import Check, Figure, FigureSkipped, registry

FIGURE_KEYS = {"id", "title", "status", "reason", "seconds", "files", "checks"}
CHECK_KEYS = {"claim", "measured", "expected", "tolerance", "passed"}


@pytest.fixture
def fig5_module():
    import eos.figures.fig05_smoothed_relu as module

    return module


def _counting(monkeypatch, module):
    """Replace module.FIGURE's compute by one that counts its calls."""
    calls = []
    original = module.FIGURE

    def compute(preset):
        calls.append(preset)
        return original.compute(preset)

    monkeypatch.setattr(module, "FIGURE", dataclasses.replace(original, compute=compute))
    return calls


def test_quick_only_5_end_to_end(tmp_path):
    report = R.reproduce(tmp_path, preset="quick", only=["5"], progress=False)
    assert set(report) == {"eos_version", "preset", "command", "figures"}
    assert report["eos_version"] == eos.__version__ and report["preset"] == "quick"
    assert report["command"][:5] == ["eos", "reproduce", "--quick", "--only", "5"]
    (fig,) = report["figures"]
    assert set(fig) == FIGURE_KEYS and fig["status"] == "made" and fig["seconds"] > 0
    assert fig["files"] == ["fig5.csv", "fig5.npz", "fig5.pdf", "fig5.png"]
    assert all((tmp_path / f).stat().st_size > 0 for f in fig["files"])
    assert fig["checks"] and all(set(c) == CHECK_KEYS and c["passed"] for c in fig["checks"])
    assert json.loads((tmp_path / "report.json").read_text()) == report
    md = (tmp_path / "report.md").read_text()
    assert "![Figure 5](fig5.png)" in md and "PASS" in md and "FAIL" not in md
    assert R.exit_status(report) == 0


def test_cache_reused_until_the_key_changes(tmp_path, monkeypatch, fig5_module):
    calls = _counting(monkeypatch, fig5_module)
    R.reproduce(tmp_path, only=["5"], progress=False)
    R.reproduce(tmp_path, only=["5"], progress=False)
    assert calls == ["quick"]  # the second run loaded the cached data, and still redrew and rechecked
    assert "(cached)" in (tmp_path / "report.md").read_text()
    R.reproduce(tmp_path, only=["5"], preset="full", progress=False)
    assert calls == ["quick", "full"]
    monkeypatch.setattr(fig5_module, "FIGURE", dataclasses.replace(fig5_module.FIGURE, version=2))
    R.reproduce(tmp_path, only=["5"], progress=False)
    assert calls == ["quick", "full", "quick"]
    R.reproduce(tmp_path, only=["5"], progress=False, force=True)
    assert len(calls) == 4


def test_a_broken_cache_file_is_recomputed(tmp_path, monkeypatch, fig5_module):
    calls = _counting(monkeypatch, fig5_module)
    R.reproduce(tmp_path, only=["5"], progress=False)
    (tmp_path / R.CACHE_DIR / "fig5-quick.npz").write_bytes(b"not a zip file")
    report = R.reproduce(tmp_path, only=["5"], progress=False)
    assert len(calls) == 2 and report["figures"][0]["status"] == "made"


def test_failed_and_skipped_figures_are_reported_and_others_still_run(tmp_path, monkeypatch, fig5_module):
    def boom(preset):
        raise ZeroDivisionError("deliberate")

    def skip(preset):
        raise FigureSkipped("needs CIFAR-10 under ~/data")

    import eos.figures.fig04_regimes as fig4_module

    monkeypatch.setattr(fig4_module, "FIGURE", dataclasses.replace(fig4_module.FIGURE, compute=boom))
    skipped = Figure(id="9b", title="skipped", compute=skip, plot=lambda d, s: [], check=lambda d: [])
    import eos.figures.fig09_rates as fig9_module

    monkeypatch.setattr(fig9_module, "FIGURES", [fig9_module.FIGURES[0], skipped])
    report = R.reproduce(tmp_path, only=["4", "9b", "5"], progress=False)
    status = {f["id"]: (f["status"], f["reason"]) for f in report["figures"]}
    assert status["4"] == ("failed", "ZeroDivisionError: deliberate")
    assert status["9b"] == ("skipped", "needs CIFAR-10 under ~/data")
    assert status["5"][0] == "made"
    assert R.exit_status(report) == 1
    assert "deliberate" in (tmp_path / "report.md").read_text()


def test_a_failing_check_makes_the_exit_status_nonzero(tmp_path, monkeypatch, fig5_module):
    def wrong(data):
        return [Check("deliberately wrong", 1.0, 0.0, 0.1, False)]

    monkeypatch.setattr(fig5_module, "FIGURE", dataclasses.replace(fig5_module.FIGURE, check=wrong))
    report = R.reproduce(tmp_path, only=["5"], progress=False)
    assert report["figures"][0]["status"] == "made" and R.exit_status(report) == 1
    assert "**FAIL**" in (tmp_path / "report.md").read_text()


def test_a_non_finite_measurement_is_null_in_strict_json(tmp_path, monkeypatch, fig5_module):
    def nan_check(data):
        return [Check("a fit with too few points", float("nan"), 2.0, 0.3, False)]

    monkeypatch.setattr(fig5_module, "FIGURE", dataclasses.replace(fig5_module.FIGURE, check=nan_check))
    report = R.reproduce(tmp_path, only=["5"], progress=False)
    text = (tmp_path / "report.json").read_text()
    assert "NaN" not in text and json.loads(text)["figures"][0]["checks"][0]["measured"] is None
    assert report["figures"][0]["checks"][0]["measured"] is None and R.exit_status(report) == 1


def test_a_figure_without_checks_fails(tmp_path, monkeypatch, fig5_module):
    monkeypatch.setattr(fig5_module, "FIGURE", dataclasses.replace(fig5_module.FIGURE, check=lambda data: []))
    report = R.reproduce(tmp_path, only=["5"], progress=False)
    assert report["figures"][0]["status"] == "failed" and "no checks" in report["figures"][0]["reason"]


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown figure id"):
        R.reproduce("unused", only=["5", "99z"], progress=False)
    with pytest.raises(ValueError, match="preset"):
        R.reproduce("unused", preset="medium", progress=False)


def test_every_two_parameter_figure_is_registered():
    ids = set(registry())
    assert {"4", "5", "9a", "9b", "12", "regime-map", "mean-model-transition"} <= ids
    assert [R.figure_stem(i) for i in ("9a", "regime-map")] == ["fig9a", "regime-map"]


def test_parallel_jobs_make_the_same_report(tmp_path):
    report = R.reproduce(tmp_path, only=["5", "12"], jobs=2, progress=False)
    assert [f["id"] for f in report["figures"]] == ["5", "12"]
    assert all(f["status"] == "made" for f in report["figures"])


def test_figures_that_share_runs_are_one_job():
    """--jobs sends figures showing the same training runs to one process (trained once), in registry order."""
    figures = registry()
    shared = {}
    for fig_id, fig in figures.items():
        if fig.shares:
            shared.setdefault(fig.shares, []).append(fig_id)
    assert sorted(shared.values()) == [["2", "10"], ["3a", "6"], ["3b", "7"]]
    groups = R.job_groups(["10", "5", "3a", "2", "6"], figures)
    assert groups == [["10", "2"], ["5"], ["3a", "6"]]


def test_command_line(tmp_path):
    out = tmp_path / "figs"
    run = subprocess.run([sys.executable, "-m", "eos", "reproduce", "--quick", "--only", "5", "--out", str(out),
                          "--no-progress"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["command"][:5] == ["eos", "reproduce", "--quick", "--only", "5"]
    assert "report:" in run.stdout
    listing = subprocess.run([sys.executable, "-m", "eos", "reproduce", "--list"], capture_output=True, text=True,
                             timeout=300)
    assert listing.returncode == 0 and "regime-map" in listing.stdout and "9a" in listing.stdout
    bad = subprocess.run([sys.executable, "-m", "eos", "reproduce", "--only", "nope", "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "unknown figure id" in bad.stderr


def test_cli_cifar_root_is_where_the_cifar_figures_look(tmp_path):
    pytest.importorskip("torch")
    empty = tmp_path / "no-cifar-here"
    empty.mkdir()
    run = subprocess.run([sys.executable, "-m", "eos", "reproduce", "--only", "7", "--out", str(tmp_path / "out"),
                          "--cifar-root", str(empty), "--no-progress"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr  # a skipped figure is not a failure
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    (fig,) = report["figures"]
    assert fig["status"] == "skipped" and str(empty) in fig["reason"]
