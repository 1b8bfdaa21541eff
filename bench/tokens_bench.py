"""LLM tokens per filled field: snippet selection vs sending every cleaned page whole. Target: ≤ 1/5.

For each fixture company (tests/fixtures/llm, and tests/fixtures/sp500/sites/ when present) and each
built-in smart field with a known true value, the real request is built twice by the same code
(``SmartFieldResearcher.build_request``: the same system message, question, JSON schema and snippet
wrapper), once over the selected snippets and once over the whole visible text of all the company's
pages, one block per page. Both are counted with the same estimate the budget uses
(``request_tokens``: characters / 4 over both messages and the schema) plus the same typical reply
(REPLY_TOKENS). A field counts as *filled* when its labelled evidence quote lies inside the text the
model is shown (the tests/fixtures/llm sites), or when that text states the true value next to one of
the field's keywords (the sp500 sites, which have no labelled quotes). No model is called.

Besides the ratio it prints where the tokens go: the fixed part of a call (instructions, question,
schema, reply) and the page data, per call, for both arms; and per field how many values each arm
can fill, so a change that saves tokens by losing evidence shows up.

Run: .venv/bin/python bench/tokens_bench.py
"""

from __future__ import annotations

import csv
import json
import platform
import sys
from collections import Counter
from dataclasses import dataclass, field
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
    for field_name, column, convert in (
        ("employee_count", "stated_employee_count", int),
        ("founded_year", "founded_year", int),
        ("hq_country", "country", str),
        ("hq_city", "city", str),
    ):
        if row.get(column):
            truth[field_name] = convert(row[column])
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
class Arm:
    """One way of prompting: tokens spent, calls made, fields filled (per field too)."""

    tokens: int = 0
    fixed_tokens: int = 0  # the part of ``tokens`` that is not page data
    calls: int = 0
    filled: int = 0
    filled_by_field: Counter[str] = field(default_factory=Counter)

    def per_filled(self) -> float:
        return self.tokens / max(self.filled, 1)


@dataclass
class Tally:
    pairs: int = 0
    pairs_by_field: Counter[str] = field(default_factory=Counter)
    whole: Arm = field(default_factory=Arm)
    snippets: Arm = field(default_factory=Arm)


def _allowed(field_: SmartField) -> tuple[str, ...]:
    return INDUSTRIES if field_.type == "enum" else ()


def _call(
    arm: Arm, researcher: SmartFieldResearcher, field_: SmartField, snippets: list[Snippet], site: Site
) -> None:
    request = researcher.build_request(field_, snippets, site.company, _allowed(field_))
    empty = researcher.build_request(field_, [], site.company, _allowed(field_))
    arm.calls += 1
    arm.tokens += request_tokens(request) + REPLY_TOKENS
    arm.fixed_tokens += request_tokens(empty) + REPLY_TOKENS


def _fillable(site: Site, field_: SmartField, text: str) -> bool:
    """Whether ``text`` holds what fills the field: the labelled quote, or else the true value."""
    if field_.name in site.evidence:
        return normalised(site.evidence[field_.name]) in normalised(text)
    try:
        value_in_quote(field_, text, site.truth[field_.name])  # type: ignore[arg-type]
    except AnswerRejected:
        return False
    return True


def _fill(arm: Arm, site: Site, field_: SmartField, text: str) -> None:
    if _fillable(site, field_, text):
        arm.filled += 1
        arm.filled_by_field[field_.name] += 1


def _measure(researcher: SmartFieldResearcher, fields: dict[str, SmartField], sites: list[Site]) -> Tally:
    tally = Tally()
    for site in sites:
        whole = [Snippet(Passage(page, 0, len(page.text)), 0.0) for page in site.pages]
        for field_ in fields.values():
            if field_.name not in site.truth:
                continue
            tally.pairs += 1
            tally.pairs_by_field[field_.name] += 1
            _call(tally.whole, researcher, field_, whole, site)
            _fill(tally.whole, site, field_, "\n".join(page.text for page in site.pages))
            snippets = researcher.choose_snippets(field_, site.pages, _allowed(field_))
            if snippets:
                _call(tally.snippets, researcher, field_, snippets, site)
                _fill(tally.snippets, site, field_, "\n".join(s.passage.text for s in snippets))
    return tally


def _report(title: str, tally: Tally) -> None:
    whole, snippets = tally.whole, tally.snippets
    print(f"== {title}: {tally.pairs} (site, field) pairs with a known value")
    print(f"   {'':22}{'calls':>6}{'filled':>8}{'tokens/filled':>15}{'fixed/call':>12}{'data/call':>11}")
    for label, arm in (("whole cleaned pages", whole), ("snippet selection", snippets)):
        calls = max(arm.calls, 1)
        data = (arm.tokens - arm.fixed_tokens) / calls
        print(
            f"   {label:22}{arm.calls:6}{arm.filled:8}{arm.per_filled():15.0f}"
            f"{arm.fixed_tokens / calls:12.0f}{data:11.0f}"
        )
    print(f"   ratio snippet/whole: {snippets.per_filled() / whole.per_filled():.3f} (target <= 0.200)")
    data_ratio = (snippets.tokens - snippets.fixed_tokens) / max(whole.tokens - whole.fixed_tokens, 1)
    floor = snippets.fixed_tokens / max(snippets.filled, 1) / whole.per_filled()
    print(
        f"   page data alone: {data_ratio:.3f} of the whole pages' data; the fixed part alone is "
        f"{floor:.3f} of the whole-page cost (the lowest ratio any snippet selection could reach)"
    )
    fields = ", ".join(
        f"{name} {snippets.filled_by_field[name]}/{whole.filled_by_field[name]}"
        for name in sorted(tally.pairs_by_field)
    )
    print(f"   filled by snippets / fillable from whole pages, per field: {fields}")


INDUSTRIES: tuple[str, ...] = ()


def main() -> None:
    global INDUSTRIES
    INDUSTRIES = tuple(json.loads((LLM_FIXTURES / "labels.json").read_text(encoding="utf-8"))["industries"])
    fields = builtin_smart_fields(ROOT / "prompts")
    researcher = SmartFieldResearcher(_NoCalls(), RunBudget(10**12, 10**6), model="gpt-4o-mini")  # type: ignore[arg-type]
    print(f"machine: {platform.machine()} {platform.system()} Python {platform.python_version()}")
    print(f"tokens: estimate_tokens (characters / 4) for both arms; typical reply {REPLY_TOKENS} tokens")
    labelled, sp500 = _labelled_sites(), _sp500_sites()
    _report(f"tests/fixtures/llm ({len(labelled)} sites)", _measure(researcher, fields, labelled))
    if sp500:
        _report(f"tests/fixtures/sp500/sites ({len(sp500)} sites)", _measure(researcher, fields, sp500))
        _report("all", _measure(researcher, fields, labelled + sp500))


if __name__ == "__main__":
    main()
