"""The cleanup report as a file: a self-contained HTML page (no scripts, everything escaped) or JSON.

Values come from CRMs and web pages, so every one is escaped; the page loads nothing from elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from html import escape
from pathlib import Path

from enrich.cleanup.runner import CleanupSummary
from enrich.errors import InputError

REPORT_SUFFIXES = (".html", ".htm", ".json")
_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d2330}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #d5d9e0;padding:.25rem .5rem;
text-align:left;vertical-align:top}th{background:#f1f3f6}td.num{text-align:right}
.apply{color:#1b6e3a}.review{color:#9a5b00}.research{color:#2b5aa8}small{color:#5c6370}
"""


def write_report(path: Path, summary: CleanupSummary) -> None:
    """Write the report as HTML or JSON, by the file's suffix; InputError for another suffix.

    Written as it is rendered, a proposal at a time: the plan is never held as one text."""
    suffix = path.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise InputError(
            f"--report {path}: cannot write a {suffix or 'suffix-less'} report",
            hint="name the file report.html or report.json",
        )
    try:
        with path.open("w", encoding="utf-8") as out:
            if suffix == ".json":
                write_json(out.write, summary.to_dict(lazy=True))
            else:
                render_html(summary, out.write)
    except OSError as error:
        raise InputError(f"--report {path}: cannot write it: {error.strerror}") from error


def write_json(write: Callable[[str], object], value: object, level: int = 0) -> None:
    """Write exactly what ``json.dumps(value, indent=2)`` would, with iterators written as arrays item
    by item (``to_dict(lazy=True)`` hands the plan's proposals over as iterators)."""
    indent = "  "
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        if not value:
            write("{}")
            return
        for position, (key, item) in enumerate(value.items()):
            write(("{\n" if position == 0 else ",\n") + indent * (level + 1) + json.dumps(key) + ": ")
            write_json(write, item, level + 1)
        write("\n" + indent * level + "}")
    elif isinstance(value, Iterator):
        empty = True
        for item in value:
            write(("[\n" if empty else ",\n") + indent * (level + 1))
            empty = False
            write_json(write, item, level + 1)
        write("[]" if empty else "\n" + indent * level + "]")
    else:
        # JSON text has no raw line breaks inside strings: every one is indentation
        write(json.dumps(value, indent=2).replace("\n", "\n" + indent * level))


def render_html(summary: CleanupSummary, write: Callable[[str], object]) -> None:
    """Write the report page, section by section."""
    plan = summary.plan
    kind = "dry run: nothing was changed" if summary.dry_run else f"run {summary.run_id} ({summary.status})"
    write(
        "\n".join(
            [
                "<!doctype html><html lang=en><head><meta charset=utf-8>",
                f"<title>leadscore cleanup — {escape(kind)}</title><style>{_STYLE}</style></head><body>",
                f"<h1>leadscore cleanup <small>{escape(kind)}</small></h1>",
                f"<p>Started {escape(summary.started_at.isoformat())}, {summary.duration_s:.1f} s; steps: "
                f"{escape(', '.join(plan.steps))}.</p>",
            ]
        )
    )
    write("\n")
    _table(write, ["what", "count"], [[key, value] for key, value in summary.counts().items()])
    move = plan.score_move
    if move is not None:
        write(f"\n<h2>Scores ({escape(move.ruleset)})</h2>\n")
        write(
            f"<p>Of {move.accounts} affected accounts, {move.band_changed} changed band, {move.tier_changed} "
            f"tier and {move.handoff_changed} hand-off because of the cleanup.</p>"
        )
        if move.examples:
            write("\n")
            _table(write, ["account", "what", "before", "after"], [list(row) for row in move.examples])
    write(f"\n<h2>Changes ({len(plan.changes)})</h2>\n")
    _table(
        write,
        ["account", "field", "before", "after", "why", "confidence", "action"],
        (
            [c["account"], c["field"], c["before"], c["after"], c["why"], c["confidence"], c["action"]]
            for c in (item.to_dict() for item in plan.changes)
        ),
    )
    write(f"\n<h2>Flagged values ({len(plan.flags)})</h2>\n")
    _table(
        write,
        ["account", "field", "value", "why", "action"],
        (
            [f["account"], f["field"], f["value"], f["why"], f["action"]]
            for f in (x.to_dict() for x in plan.flags)
        ),
    )
    write(
        f"\n<h2>Duplicates ({len(plan.merges)})</h2><p><small>{plan.pairs_compared:,} candidate pairs "
        f"compared of {plan.all_pairs:,} possible pairs.</small></p>\n"
    )
    merge_rows = (
        [
            m.keep_label,
            m.merge_label,
            f"{m.similarity:.3f}",
            _evidence(m.evidence),
            _merge_action(m.automatic),
        ]
        for m in plan.merges
    )
    _table(write, ["keep", "merge", "similarity", "evidence", "action"], merge_rows)
    write(f"\n<h2>Stale values ({len(plan.stale)})</h2>\n")
    _table(
        write,
        ["account", "field", "value", "last checked"],
        ([s["account"], s["field"], s["value"], s["checked_at"]] for s in (x.to_dict() for x in plan.stale)),
    )
    write("\n</body></html>")


def _merge_action(automatic: bool) -> str:
    return "merge" if automatic else "review"


def _evidence(evidence: object) -> str:
    if not isinstance(evidence, dict):
        return str(evidence)
    return "; ".join(
        f"{key}: {value}" for key, value in evidence.items() if key not in {"names", "automatic"}
    )


def _table(write: Callable[[str], object], header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A table of ``rows``, written a row at a time; "none" when there are no rows."""
    empty = True
    for row in rows:
        if empty:
            head = "".join(f"<th>{escape(name)}</th>" for name in header)
            write(f"<table><thead><tr>{head}</tr></thead><tbody>")
            empty = False
        cells = []
        for cell in row:
            css = f' class="{escape(str(cell))}"' if cell in {"apply", "review", "research", "merge"} else ""
            number = isinstance(cell, int | float) and not isinstance(cell, bool)
            cells.append(f"<td{' class=num' if number else css}>{escape(str(cell))}</td>")
        write("<tr>" + "".join(cells) + "</tr>")
    write("<p><small>none</small></p>" if empty else "</tbody></table>")
