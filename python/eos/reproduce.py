"""``eos reproduce``: make every figure of the paper, check each claim as a number, and write a report.

For each selected figure (:mod:`eos.figures`) this computes its data (or loads it from the cache under the
output folder), saves the data as ``<stem>.npz`` beside the picture, draws ``<stem>.png``/``.pdf``, runs its
checks, and records the outcome. ``report.json`` and ``report.md`` in the output folder list, per figure, the
status (made / skipped / failed), the time, the files, and every check (claim, measured, expected, tolerance,
PASS/FAIL). One failing figure never stops the others.

The cache key of a figure's data is (figure id, preset, ``Figure.version``, eos version): a rerun recomputes only
figures whose key changed, and always redraws and rechecks (both are cheap and follow the current code).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import math
import multiprocessing
import os
import sys
import time
import traceback
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["add_arguments", "main", "reproduce", "figure_stem"]

CACHE_DIR = ".cache"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``eos reproduce`` to ``parser``."""
    preset = parser.add_mutually_exclusive_group()
    preset.add_argument("--quick", dest="preset", action="store_const", const="quick",
                        help="small runs that still show every claim (default; a few minutes)")
    preset.add_argument("--full", dest="preset", action="store_const", const="full",
                        help="paper-scale runs (wider step-size ranges, finer grids; much longer)")
    parser.set_defaults(preset="quick")
    parser.add_argument("--only", metavar="IDS", default=None,
                        help="comma-separated figure ids, e.g. 4,5,9a,regime-map (default: all)")
    parser.add_argument("--out", metavar="DIR", default="eos-figures", help="output folder (default: %(default)s)")
    parser.add_argument("--jobs", metavar="N", type=int, default=1,
                        help="figures made in parallel processes (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="ignore the cache and recompute every figure")
    parser.add_argument("--cifar-root", metavar="DIR", default=None,
                        help="folder holding cifar-10-batches-py for Figs. 3b, 7, 8 (default: $EOS_DATA, "
                             "then ~/.cache/eos)")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    parser.add_argument("--list", action="store_true", help="list the figure ids and titles, and exit")
    parser.epilog = ("Exits with status 1 if a figure failed or a check did not pass, so that scripts notice a "
                     "reproduction that no longer matches the paper; skipped figures (missing torch or data) "
                     "do not count.")


def main(args: argparse.Namespace) -> int:
    """Run ``eos reproduce`` with parsed ``args``; the exit status (0: all made figures pass)."""
    if args.list:
        from .figures import registry

        for fig_id, fig in registry().items():
            print(f"{fig_id:>22}  {fig.title}")
        return 0
    only = [s.strip() for s in args.only.split(",") if s.strip()] if args.only else None
    if args.cifar_root is not None:
        os.environ["EOS_DATA"] = str(args.cifar_root)  # read by eos.nn.cifar, here and in --jobs workers
    try:
        report = reproduce(out=args.out, preset=args.preset, only=only, jobs=args.jobs,
                           progress=args.progress, force=args.force)
    except ValueError as exc:
        print(f"eos reproduce: error: {exc}", file=sys.stderr)
        return 2
    for fig in report["figures"]:
        passed = sum(c["passed"] for c in fig["checks"])
        detail = f"{passed}/{len(fig['checks'])} checks pass" if fig["status"] == "made" else fig["reason"]
        print(f"{fig['id']:>22}  {fig['status']:<7} {fig['seconds']:7.1f} s  {detail}")
    print(f"report: {Path(args.out) / 'report.md'}")
    return exit_status(report)


def exit_status(report: dict) -> int:
    """1 if any figure failed or any check of a made figure did not pass, else 0."""
    bad = any(f["status"] == "failed" or not all(c["passed"] for c in f["checks"]) for f in report["figures"])
    return int(bad)


def figure_stem(fig_id: str) -> str:
    """The file name stem of a figure: ``fig9a`` for the paper's numbered figures, the id itself otherwise."""
    return f"fig{fig_id}" if fig_id[:1].isdigit() else fig_id


def reproduce(out: str | Path = "eos-figures", preset: str = "quick", only=None, jobs: int = 1,
              progress: bool = True, force: bool = False) -> dict:
    """Make the figures ``only`` (ids; default all) with ``preset`` into ``out``; return the report dict.

    The report (also written as ``out/report.json`` and ``out/report.md``) is
    ``{"eos_version", "preset", "command", "figures": [{"id", "title", "status", "reason", "seconds", "files",
    "checks": [{"claim", "measured", "expected", "tolerance", "passed"}]}]}``. Raises ValueError for an unknown
    preset or figure id.
    """
    import eos
    from tqdm import tqdm

    from .figures import PRESETS, registry
    from .report import render_markdown

    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {PRESETS}, got {preset!r}")
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    figures = registry()
    ids = list(figures) if only is None else list(dict.fromkeys(only))
    unknown = [i for i in ids if i not in figures]
    if unknown:
        raise ValueError(f"unknown figure id(s) {', '.join(unknown)}; known: {', '.join(figures)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    command = ["eos", "reproduce", f"--{preset}"] + (["--only", ",".join(ids)] if only is not None else [])
    command += ["--out", str(out), "--jobs", str(jobs)] + (["--force"] if force else [])

    started = time.time()
    entries: dict[str, dict] = {}
    bar = tqdm(total=len(ids), desc="eos reproduce", unit="fig", disable=not progress, file=sys.stderr)
    if jobs == 1:
        for fig_id in ids:
            bar.set_postfix_str(fig_id)
            entries[fig_id] = make_figure(fig_id, preset, str(out), force, command)
            bar.update()
    else:
        # spawn, not fork: the parent may hold OpenMP (and torch) thread pools that a fork would break
        ctx = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            futures = [pool.submit(make_figures, group, preset, str(out), force, command)
                       for group in job_groups(ids, figures)]
            for fut in concurrent.futures.as_completed(futures):
                for entry in fut.result():
                    entries[entry["id"]] = entry
                    bar.set_postfix_str(entry["id"])
                    bar.update()
    bar.close()

    report = {
        "eos_version": eos.__version__,
        "preset": preset,
        "command": command,
        "figures": [_public(entries[i]) for i in ids],
    }
    (out / "report.json").write_text(json.dumps(report, indent=2, allow_nan=False) + "\n")
    (out / "report.md").write_text(render_markdown(report, [entries[i] for i in ids], time.time() - started))
    return report


#: the keys of a figure entry that report.json carries (make_figure adds "cached" and "traceback" for report.md)
_PUBLIC = ("id", "title", "status", "reason", "seconds", "files", "checks")


def _public(entry: dict) -> dict:
    """The report.json part of an entry; a non-finite number in a check becomes null (strict JSON has no NaN)."""
    finite = lambda v: None if isinstance(v, float) and not math.isfinite(v) else v  # noqa: E731
    public = {k: entry[k] for k in _PUBLIC}
    public["checks"] = [{k: finite(v) for k, v in c.items()} for c in entry["checks"]]
    return public


def job_groups(ids: list[str], figures: dict) -> list[list[str]]:
    """``ids`` split into the tasks of ``--jobs``: figures that share training runs (``Figure.shares``) form one
    task, made one after the other in one process so the runs are computed once; every other figure is its own."""
    groups: dict[str, list[str]] = {}
    for fig_id in ids:
        groups.setdefault(figures[fig_id].shares or f"id:{fig_id}", []).append(fig_id)
    return list(groups.values())


def make_figures(ids: list[str], preset: str, out: str, force: bool, command: list[str]) -> list[dict[str, Any]]:
    """:func:`make_figure` for each of ``ids`` in turn, in this process (a ``--jobs`` worker's task)."""
    return [make_figure(fig_id, preset, out, force, command) for fig_id in ids]


def make_figure(fig_id: str, preset: str, out: str, force: bool, command: list[str]) -> dict[str, Any]:
    """Compute (or load), save, draw and check one figure; never raises: failures are recorded in the entry."""
    import eos

    from .figures import FigureSkipped, registry

    fig = registry()[fig_id]
    out_dir = Path(out)
    stem = out_dir / figure_stem(fig_id)
    entry: dict[str, Any] = {"id": fig_id, "title": fig.title, "status": "made", "reason": "", "seconds": 0.0,
                             "files": [], "checks": [], "cached": False, "traceback": ""}
    start = time.perf_counter()
    try:
        meta = {"figure": fig_id, "preset": preset, "figure_version": fig.version, "eos_version": eos.__version__}
        cache = out_dir / CACHE_DIR / f"{figure_stem(fig_id)}-{preset}.npz"
        data = None if force else _load(cache, meta)
        entry["cached"] = data is not None
        if data is None:
            _save(cache, fig.compute(preset), meta)
            data = _load(cache, meta)  # plot and check always see the data exactly as it is stored
        files = [_save(stem.with_suffix(".npz"), data, {**meta, "command": command})]
        files += [Path(p) for p in fig.plot(data, stem)]
        checks = fig.check(data)
        if not checks:
            raise RuntimeError(f"figure {fig_id} made no checks; every figure must check its claim")
        entry["files"] = sorted(p.relative_to(out_dir).as_posix() for p in files)
        entry["checks"] = [c.as_dict() for c in checks]
    except FigureSkipped as exc:
        entry.update(status="skipped", reason=str(exc))
    except Exception as exc:  # noqa: BLE001 - a broken figure is reported, and the others still run
        entry.update(status="failed", reason=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
    entry["seconds"] = round(time.perf_counter() - start, 3)
    return entry


def _save(path: Path, data, meta: dict) -> Path:
    """Write ``data`` (arrays and scalars) and the JSON ``meta`` to ``path`` as an uncompressed, pickle-free npz."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {k: np.asarray(v) for k, v in data.items()}
    for key, value in arrays.items():
        if value.dtype == object:
            raise TypeError(f"data[{key!r}] is not a numeric or string array (dtype object)")
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, _meta=np.asarray(json.dumps(meta, sort_keys=True)), **arrays)
    tmp.replace(path)  # never leave a half-written cache file behind
    return path


def _load(path: Path, meta: dict) -> dict | None:
    """The data stored at ``path`` if its metadata matches ``meta`` (the cache key), else None."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as f:
            if json.loads(f["_meta"][()]) != meta:
                return None
            # 0-d arrays come back as numpy scalars (np.longdouble stays exact)
            return {k: (f[k][()] if f[k].ndim == 0 else f[k]) for k in f.files if k != "_meta"}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):  # unreadable: a miss, recomputed and rewritten
        return None
