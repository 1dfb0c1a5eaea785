"""``report.md`` of ``eos reproduce``: the report dict rendered for people (report.json is for programs)."""
from __future__ import annotations

import datetime

__all__ = ["render_markdown"]


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.replace("|", "\\|")


def _num(value) -> str:
    """A measured or expected number, a bound given as text, or None for a number that was not finite."""
    if isinstance(value, str):
        return _cell(value)
    if value is None:
        return "not finite"
    return f"{value:.4g}"


def render_markdown(report: dict, entries: list[dict], seconds: float) -> str:
    """Markdown for ``report`` (as in report.json); ``entries`` add whether data came from the cache and, for
    failed figures, the traceback; ``seconds`` is the wall time of the whole run."""
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# eos reproduce — report",
        "",
        f"eos {report['eos_version']}, preset `{report['preset']}`, {when}, {seconds:.0f} s in all.",
        "",
        f"Command: `{' '.join(report['command'])}`",
        "",
        "| figure | title | status | checks | seconds |",
        "|---|---|---|---|---|",
    ]
    for fig, entry in zip(report["figures"], entries):
        checks = fig["checks"]
        summary = f"{sum(c['passed'] for c in checks)}/{len(checks)} pass" if fig["status"] == "made" else "—"
        cached = " (cached)" if entry.get("cached") else ""
        lines.append(f"| [{fig['id']}](#figure-{fig['id']}) | {_cell(fig['title'])} | {fig['status']} | {summary} | "
                     f"{fig['seconds']:.1f}{cached} |")
    for fig, entry in zip(report["figures"], entries):
        lines += ["", f"## Figure {fig['id']}", "", f"**{fig['title']}** — {fig['status']}", ""]
        if fig["status"] != "made":
            lines += [f"Reason: {fig['reason']}", ""]
            if entry.get("traceback"):
                lines += ["<details><summary>traceback</summary>", "", "```", entry["traceback"].rstrip(), "```",
                          "", "</details>", ""]
            continue
        pngs = [f for f in fig["files"] if f.endswith(".png")]
        lines += [f"![Figure {fig['id']}]({p})" for p in pngs] + [""]
        lines += ["| claim | measured | expected | tolerance | result |", "|---|---|---|---|---|"]
        for c in fig["checks"]:
            lines.append(f"| {_cell(c['claim'])} | {_num(c['measured'])} | {_num(c['expected'])} | "
                         f"{_num(c['tolerance'])} | {'PASS' if c['passed'] else '**FAIL**'} |")
        lines += ["", "Files: " + ", ".join(f"[{f}]({f})" for f in fig["files"])]
    return "\n".join(lines) + "\n"
