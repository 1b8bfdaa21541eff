"""Confidence from evidence and the decisions it leads to (DESIGN §5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from enrich.confidence import DEFAULT_POLICY, compatible, decide
from enrich.extract import Finding, Qualifier, SourceKind, ValueRange

NOW = datetime(2025, 6, 1, tzinfo=UTC)
THRESHOLD = 0.85


def finding(
    value: int | str | ValueRange,
    *,
    kind: SourceKind = "page_text",
    qualifier: Qualifier = "exact",
    url: str = "https://acme.example/about",
    quote: str | None = None,
    field: str = "employee_count",
    age_days: float = 0,
) -> Finding:
    evidence = quote or f"{value} employees"
    return Finding(
        field=field,
        value=value,
        value_text=str(value),
        qualifier=qualifier,
        source_kind=kind,
        evidence=evidence,
        evidence_start=0,
        evidence_end=len(evidence),
        display_quote=evidence,
        extractor=kind,
        extractor_version="1",
        source_url=url,
        page_sha256="0" * 64,
        fetched_at=NOW - timedelta(days=age_days),
    )


def test_structured_data_on_the_own_domain_is_accepted_alone() -> None:
    [decision] = decide([finding(1200, kind="jsonld", url="https://www.acme.example/")], THRESHOLD, now=NOW)
    assert decision.status == "accepted"
    assert decision.confidence == pytest.approx(DEFAULT_POLICY.source_base["jsonld"])


def test_source_kinds_rank_jsonld_over_imprint_over_page_text_over_llm() -> None:
    kinds: list[SourceKind] = ["jsonld", "imprint", "page_text", "llm"]
    confidences = [decide([finding(1200, kind=kind)], THRESHOLD, now=NOW)[0].confidence for kind in kinds]
    assert confidences == sorted(confidences, reverse=True) and len(set(confidences)) == 4


def test_free_page_text_alone_waits_for_review() -> None:
    [decision] = decide([finding(1200)], THRESHOLD, now=NOW)
    assert decision.status == "pending_review"
    assert "below accept threshold" in decision.reason


def test_the_same_value_on_another_site_counts_less() -> None:
    own = decide([finding(1200, kind="jsonld")], THRESHOLD, now=NOW, own_domain="acme.example")[0]
    other = decide(
        [finding(1200, kind="jsonld", url="https://directory.example/acme")],
        THRESHOLD,
        now=NOW,
        own_domain="acme.example",
    )[0]
    assert other.confidence == pytest.approx(own.confidence - DEFAULT_POLICY.off_domain_penalty)
    assert other.status == "pending_review"


@pytest.mark.parametrize("qualifier", ["approx", "at_least", "at_most", "range"])
def test_loose_statements_count_less_than_exact_ones(qualifier: Qualifier) -> None:
    exact = decide([finding(1200, kind="jsonld")], THRESHOLD, now=NOW)[0].confidence
    loose = decide([finding(1200, kind="jsonld", qualifier=qualifier)], THRESHOLD, now=NOW)[0].confidence
    assert loose < exact


def test_independent_sources_that_agree_raise_confidence_and_only_one_is_accepted() -> None:
    text = finding(1200, url="https://acme.example/about")
    structured = finding(1200, kind="jsonld", url="https://acme.example/", quote='"numberOfEmployees": 1200')
    decisions = decide([text, structured], THRESHOLD, now=NOW)
    by_kind = {d.finding.source_kind: d for d in decisions}
    assert by_kind["jsonld"].status == "accepted"
    assert by_kind["jsonld"].confidence > DEFAULT_POLICY.source_base["jsonld"]
    assert "agreement" in by_kind["jsonld"].reason
    assert by_kind["page_text"].status == "superseded"
    assert [d.status for d in decisions].count("accepted") == 1


def test_page_text_on_three_pages_in_different_words_is_accepted_but_a_repeated_footer_is_one_source() -> (
    None
):
    worded = [
        finding(1200, url="https://acme.example/about", quote="1,200 employees"),
        finding(1200, url="https://acme.example/careers", quote="join 1,200 colleagues"),
        finding(1200, url="https://acme.example/facts", quote="Employees: 1,200"),
    ]
    assert "accepted" in [d.status for d in decide(worded, THRESHOLD, now=NOW)]
    footer = [
        finding(1200, url=f"https://acme.example/{page}", quote="1,200 employees worldwide")
        for page in "abcde"
    ]
    assert "accepted" not in [d.status for d in decide(footer, THRESHOLD, now=NOW)]


def test_two_different_employee_counts_are_both_held_for_review_as_conflicting() -> None:
    decisions = decide(
        [
            finding(1200, kind="jsonld", url="https://acme.example/"),
            finding(1500, url="https://acme.example/jobs"),
        ],
        THRESHOLD,
        now=NOW,
    )
    assert [d.status for d in decisions] == ["pending_review", "pending_review"]
    assert all(d.confidence < THRESHOLD for d in decisions)
    assert all(d.reason.startswith("conflicting values") for d in decisions)


def test_a_lower_bound_and_an_exact_count_above_it_do_not_conflict() -> None:
    at_least = finding(1000, qualifier="at_least", quote="over 1,000 employees")
    exact = finding(1200, kind="jsonld", url="https://acme.example/")
    assert compatible(at_least, exact)
    assert "accepted" in [d.status for d in decide([at_least, exact], THRESHOLD, now=NOW)]
    assert not compatible(finding(1500, qualifier="at_least"), exact)
    assert compatible(finding(1150, qualifier="approx"), exact)
    assert compatible(finding(ValueRange(1000, 5000), qualifier="range"), exact)
    assert compatible(
        finding(1987, qualifier="at_most", field="founded_year"), finding(1975, field="founded_year")
    )


def test_old_evidence_counts_less_and_head_counts_age_faster_than_founding_years() -> None:
    fresh = decide([finding(1200, kind="jsonld")], THRESHOLD, now=NOW)[0]
    stale = decide([finding(1200, kind="jsonld", age_days=730)], THRESHOLD, now=NOW)[0]
    assert stale.confidence == pytest.approx(fresh.confidence / 2)
    assert stale.status == "pending_review" and "age" in stale.reason
    old_year = decide(
        [finding(1998, kind="jsonld", field="founded_year", age_days=3650)], THRESHOLD, now=NOW
    )[0]
    assert old_year.status == "accepted"


def test_weak_candidates_are_rejected_and_do_not_create_conflicts() -> None:
    weak = finding(99, kind="llm", qualifier="approx", url="https://directory.example/acme", age_days=2000)
    strong = finding(1200, kind="jsonld", url="https://acme.example/")
    decisions = {
        d.finding.value: d for d in decide([weak, strong], THRESHOLD, now=NOW, own_domain="acme.example")
    }
    assert decisions[99].status == "rejected"
    assert decisions[1200].status == "accepted"


def test_every_managing_director_can_be_accepted() -> None:
    people = [
        finding(name, kind="imprint", field="managing_director", quote=f"Geschäftsführer: {name}")
        for name in ("Anna Berger", "Max Muster")
    ]
    assert [d.status for d in decide(people, THRESHOLD, now=NOW)] == ["accepted", "accepted"]


def test_decide_takes_one_field_at_a_time_and_nothing_gives_nothing() -> None:
    assert decide([], THRESHOLD, now=NOW) == []
    with pytest.raises(ValueError, match="one field"):
        decide([finding(1), finding("Leeds", field="city")], THRESHOLD, now=NOW)


def test_text_values_compare_without_case_or_spacing() -> None:
    decisions = decide(
        [
            finding("Leeds", field="city", kind="imprint"),
            finding(" leeds ", field="city", quote="based in Leeds"),
        ],
        THRESHOLD,
        now=NOW,
    )
    assert [d.status for d in decisions] == ["accepted", "superseded"]
