"""LLM tokens per filled field: snippet selection vs sending every cleaned page whole. Target: ≤ 1/5.

For each fixture company (tests/fixtures/llm, and tests/fixtures/sp500/sites/ when present) and each
built-in smart field, the real prompt is rendered twice, once over the selected snippets and once
over the whole visible text of all the company's pages, and its tokens estimated (characters / 4,
the estimate the budget uses: messages and JSON schema) plus a typical reply (REPLY_TOKENS). A field
counts as *filled* when its labelled evidence quote lies inside the selected snippets (snippet mode)
or on any page (whole-page mode); companies without labels count every field that gets a call. No
model is called.

Run: .venv/bin/python bench/tokens_bench.py
"""

from __future__ import annotations

import csv
import json
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from enrich.llm.answers import AnswerRejected  # noqa: E402
from enrich.llm.budget import RunBudget  # noqa: E402
from enrich.llm.normalise import normalised  # noqa: E402
from enrich.llm.research import Company, SmartFieldResearcher, request_tokens  # noqa: E402
from enrich.llm.smart_fields import SmartField, builtin_smart_fields  # noqa: E402
from enrich.llm.snippets import Passage, Snippet, estimate_tokens  # noqa: E402
from enrich.llm.verify import value_in_quote  # noqa: E402
from enrich.llm.visible_text import SourcePage  # noqa: E402

LLM_FIXTURES = ROOT / "tests" / "fixtures" / "llm"
SP500 = ROOT / "tests" / "fixtures" / "sp500"


@dataclass
class Site:
    name: str
    corpus: str
    company: Company
    pages: list[SourcePage]
    truth: dict[str, object]  # field → true value
    evidence: dict[str, str]  # field → labelled quote (the tests/fixtures/llm sites only)


class _NoCalls:
    async def complete(self, request: object) -> object:
        raise AssertionError("the benchmark never calls a model")


def _labelled_sites() -> list[Site]:
    labels = json.loads((LLM_FIXTURES / "labels.json").read_text(encoding="utf-8"))
    sites = []
    for name, entry in labels["companies"].items():
        pages = [
            SourcePage.from_html(url, (LLM_FIXTURES / name / file).read_text(encoding="utf-8"))
            for file, url in entry["pages"].items()
        ]
        truth = {field: label["value"] for field, label in entry["fields"].items()}
        evidence = {field: label["evidence"] for field, label in entry["fields"].items()}
        sites.append(Site(name, "llm", Company(entry["name"], entry["domain"]), pages, truth, evidence))
    return sites


def _sp500_truth(row: dict[str, str]) -> dict[str, object]:
    truth: dict[str, object] = {}
    for field, column, convert in (
        ("employee_count", "stated_employee_count", int),
        ("founded_year", "founded_year", int),
        ("hq_country", "country", str),
        ("hq_city", "city", str),
    ):
        if row.get(column):
            truth[field] = convert(row[column])
    return truth


def _sp500_sites() -> list[Site]:
    if not (SP500 / "TRUTH.csv").is_file():
        return []
    with (SP500 / "TRUTH.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    sites = []
    for row in rows:
        folder = SP500 / "sites" / row["domain"]
        pages = [
            SourcePage.from_html(
                f"https://{row['domain']}/{page.parent.relative_to(folder)}", page.read_text("utf-8")
            )
            for page in sorted(folder.rglob("*.html"))
        ]
        if pages:
            company = Company(row["name"], row["domain"])
            sites.append(Site(row["domain"], "sp500", company, pages, _sp500_truth(row), {}))
    return sites


# a typical reply: {"value": ..., "unknown": false, "evidence": "<a sentence>", "confidence": 0.9}
REPLY_TOKENS = estimate_tokens(
    '{"value": 1250, "unknown": false, "evidence": "Heute beschäftigt die Gruppe rund 1.250 Mitarbeiterinnen '
    'und Mitarbeiter an vier Standorten.", "confidence": 0.9}'
)


@dataclass
class Tally:
    snippet_tokens: int = 0
    whole_tokens: int = 0
    snippet_filled: int = 0
    whole_filled: int = 0
    fields: int = 0
    calls: int = 0


def _call_tokens(
    researcher: SmartFieldResearcher, field: SmartField, snippets: list[Snippet], site: Site
) -> int:
    request = researcher.build_request(
        field, snippets, site.company, INDUSTRIES if field.type == "enum" else ()
    )
    return request_tokens(request) + REPLY_TOKENS


def _fillable(site: Site, field: SmartField, text: str) -> bool:
    """Whether ``text`` holds what fills the field: the labelled quote, or else the true value."""
    if field.name in site.evidence:
        return normalised(site.evidence[field.name]) in normalised(text)
    try:
        value_in_quote(field, text, site.truth[field.name])  # type: ignore[arg-type]
    except AnswerRejected:
        return False
    return True


def _measure(researcher: SmartFieldResearcher, fields: dict[str, SmartField], sites: list[Site]) -> Tally:
    tally = Tally()
    for site in sites:
        whole = [Snippet(Passage(page, 0, len(page.text)), 0.0) for page in site.pages]
        whole_text = "\n".join(page.text for page in site.pages)
        for field in fields.values():
            if field.name not in site.truth:
                continue
            tally.fields += 1
            tally.whole_tokens += _call_tokens(researcher, field, whole, site)
            tally.whole_filled += _fillable(site, field, whole_text)
            snippets = researcher.choose_snippets(
                field, site.pages, INDUSTRIES if field.type == "enum" else ()
            )
            if snippets:
                tally.calls += 1
                tally.snippet_tokens += _call_tokens(researcher, field, snippets, site)
                tally.snippet_filled += _fillable(site, field, "\n".join(s.passage.text for s in snippets))
    return tally


def _report(title: str, tally: Tally) -> None:
    per_whole = tally.whole_tokens / max(tally.whole_filled, 1)
    per_snippet = tally.snippet_tokens / max(tally.snippet_filled, 1)
    print(f"== {title}: {tally.fields} (site, field) pairs with a known value, {tally.calls} calls")
    print(f"   whole cleaned pages: {per_whole:7.0f} tokens per filled field ({tally.whole_filled} fillable)")
    print(
        f"   snippet selection:   {per_snippet:7.0f} tokens per filled field ({tally.snippet_filled} filled)"
    )
    print(f"   ratio snippet/whole: {per_snippet / per_whole:.3f} (target <= 0.200)")


INDUSTRIES: tuple[str, ...] = ()


def main() -> None:
    global INDUSTRIES
    INDUSTRIES = tuple(json.loads((LLM_FIXTURES / "labels.json").read_text(encoding="utf-8"))["industries"])
    fields = builtin_smart_fields(ROOT / "prompts")
    researcher = SmartFieldResearcher(_NoCalls(), RunBudget(10**12, 10**6), model="gpt-4o-mini")  # type: ignore[arg-type]
    print(f"machine: {platform.machine()} {platform.system()} Python {platform.python_version()}")
    labelled, sp500 = _labelled_sites(), _sp500_sites()
    _report(f"tests/fixtures/llm ({len(labelled)} sites)", _measure(researcher, fields, labelled))
    if sp500:
        _report(f"tests/fixtures/sp500/sites ({len(sp500)} sites)", _measure(researcher, fields, sp500))
        _report("all", _measure(researcher, fields, labelled + sp500))


if __name__ == "__main__":
    main()
