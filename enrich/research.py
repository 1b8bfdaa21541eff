"""Researching one account on its own website: discover → fetch → classify → extract → decide → (LLM).

The pipeline for one account, as one async function over injected parts (fetcher, optional smart-field
researcher, clock). It returns what to record — candidate values with their requested status — and a
plain account of what happened (pages fetched or refused with the reason, pages not minable, fields
that would go to an LLM). Writing is the worker's job, so a crash here writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from enrich.confidence import Decision, decide
from enrich.errors import FetchRefused
from enrich.extract.base import Document, FieldValue, Finding, Page, Qualifier, ValueRange
from enrich.extract.candidates import candidate_from
from enrich.extract.discovery import discover_pages, sitemap_candidates
from enrich.extract.runner import PageExtraction, extract_page, findings_by_field
from enrich.fetch.fetcher import Fetcher
from enrich.fetch.result import FetchResult
from enrich.llm.normalise import normalise, normalised
from enrich.llm.research import Company, SmartFieldResearcher, SmartFieldResult
from enrich.llm.smart_fields import SmartField
from enrich.llm.visible_text import SourcePage
from enrich.store.values import Candidate, JsonValue

# Facts from the imprint that the agent records besides the asked-for fields (duplicate detection uses them).
EXTRA_FACTS = ("legal_name", "commercial_register", "vat_id")

# Account fields → the smart field that researches each (prompts/smart_fields.toml).
SMART_FIELD_FOR = {
    "employee_count": "employee_count",
    "industry": "industry",
    "annual_revenue": "annual_revenue",
    "country": "hq_country",
    "city": "hq_city",
    "founded_year": "founded_year",
}


@dataclass(frozen=True)
class Target:
    account_id: int
    name: str
    domain: str | None
    website: str | None

    def homepage(self) -> str | None:
        """The URL research starts from: the CRM website if it is a URL, else https://domain/."""
        if self.website:
            site = self.website.strip()
            if "://" not in site:
                site = "https://" + site
            parts = urlsplit(site)
            if parts.hostname:
                return f"{parts.scheme}://{parts.netloc}/"
        return f"https://{self.domain}/" if self.domain else None


@dataclass
class Outcome:
    """Everything one account's research produced; ``values`` are (candidate, requested status)."""

    account_id: int
    values: list[tuple[Candidate, str]] = field(default_factory=list)
    pages: list[FetchResult] = field(default_factory=list)
    page_kinds: dict[str, str] = field(default_factory=dict)  # url → classification for stored pages
    refused: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    problem: str | None = None  # why nothing could be researched ("no website", "robots", ...)
    needs_llm: list[str] = field(default_factory=list)  # fields left open that a smart field could try
    llm_results: list[SmartFieldResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for _, wanted in self.values if wanted == status)


async def _fetch(fetcher: Fetcher, url: str, outcome: Outcome) -> FetchResult | None:
    try:
        result = await fetcher.fetch(url)
    except FetchRefused as refusal:
        outcome.refused.append((url, refusal.reason))
        return None
    outcome.pages.append(result)
    return result


def _page(result: FetchResult) -> Page:
    return Page(result.url, result.final_url, result.text, result.sha256, result.fetched_at)


async def gather_pages(fetcher: Fetcher, target: Target, outcome: Outcome, *, max_pages: int) -> list[Page]:
    """Homepage first, then the discovered about/imprint/careers/contact pages (sitemap as a hint)."""
    start = target.homepage()
    if start is None:
        outcome.problem = "no website: no domain in the CRM and none derivable from contacts' e-mails"
        return []
    homepage = await _fetch(fetcher, start, outcome)
    if homepage is None:
        outcome.problem = f"homepage refused ({outcome.refused[-1][1]})"
        return []
    sitemap_xml = None
    candidates = discover_pages(homepage.final_url, homepage.text, max_pages=max_pages)
    if len(candidates) < max_pages:
        sitemap = await _fetch(fetcher, homepage.final_url.rstrip("/") + "/sitemap.xml", outcome)
        if sitemap is not None and sitemap_candidates(sitemap.text, homepage.final_url):
            sitemap_xml = sitemap.text
            candidates = discover_pages(
                homepage.final_url, homepage.text, sitemap_xml=sitemap_xml, max_pages=max_pages
            )
        if sitemap is not None:
            outcome.pages.remove(sitemap)  # a sitemap is a hint, not a page to mine
    pages = [_page(homepage)]
    for candidate in candidates[1:]:
        fetched = await _fetch(fetcher, candidate.url, outcome)
        if fetched is not None and fetched.sha256 not in {page.sha256 for page in pages}:
            pages.append(_page(fetched))
    return pages


def stored_span(page: Page, quote: str) -> tuple[int, int] | None:
    """Where ``quote`` lies in the stored page text, or None.

    The quote was verified against the visible text the LLM layer makes (``enrich.llm.visible_text``);
    the extractors' visible text carries the map back to the stored bytes. Both are compared after the
    same normalisation verification uses, so a quote that verified there is found here too.
    """
    visible = Document(page).visible
    needle = normalised(quote)
    haystack = normalise(visible.text)
    index = haystack.text.find(needle) if needle else -1
    if index < 0:
        return None
    start, end = haystack.original_span(index, index + len(needle))
    return visible.source_span(start, end)


def _finding_value(value: Any) -> tuple[FieldValue, Qualifier] | None:
    """A verified answer's value as a finding value: a number, a label, or a range ``{"min", "max"}``."""
    if isinstance(value, dict):
        low, high = value.get("min"), value.get("max")
        if isinstance(low, int) and isinstance(high, int):
            return ValueRange(low, high), "range"
        return None
    if isinstance(value, int | str) and not isinstance(value, bool):
        return value, "exact"
    return None


def _llm_finding(result: SmartFieldResult, pages: Sequence[Page], account_field: str) -> Finding | None:
    """A verified smart-field answer as a Finding whose evidence indexes the stored page text."""
    page = next((p for p in pages if p.sha256 == result.page_sha256 or p.url == result.source_url), None)
    typed = _finding_value(result.value)
    if page is None or result.evidence is None or typed is None:
        return None
    span = stored_span(page, result.evidence)
    if span is None:
        return None
    start, end = span
    value, qualifier = typed
    return Finding(
        field=account_field,
        value=value,
        value_text=result.value_text or str(value),
        qualifier=qualifier,
        source_kind="llm",
        evidence=page.text[start:end],
        evidence_start=start,
        evidence_end=end,
        display_quote=result.evidence,
        extractor=f"llm:{result.prompt_name}",
        extractor_version=result.prompt_version,
        source_url=page.url,
        page_sha256=page.sha256,
        fetched_at=page.fetched_at,
    )


def _with_llm_provenance(candidate: Candidate, result: SmartFieldResult, injection: bool) -> Candidate:
    reason = candidate.reason
    if injection:
        note = "a snippet read like an instruction to the model"
        reason = f"{reason}; {note}" if reason else note
    return replace(
        candidate,
        model=result.model,
        prompt_name=result.prompt_name,
        prompt_version=result.prompt_version,
        prompt_sha256=result.prompt_sha256,
        model_confidence=result.model_confidence,
        tokens_in=result.tokens_in,
        tokens_out=result.tokens_out,
        cost_usd=result.cost_usd,
        latency_s=result.latency_s,
        reason=reason,
    )


def _storable(value: Any) -> JsonValue | None:
    """The model's answer as a ``field_value.value`` when it has a stored form (else None)."""
    if isinstance(value, int | str) and not isinstance(value, bool):
        return value
    ends = list(value.values()) if isinstance(value, dict) and set(value) == {"min", "max"} else []
    if ends and all(isinstance(end, int) and not isinstance(end, bool) for end in ends):
        return {"min": value["min"], "max": value["max"]}
    return None


def rejected_llm_candidate(
    result: SmartFieldResult, account_field: str, reason: str | None = None
) -> Candidate:
    """A model answer that may not count, kept as a ``rejected`` row: what it said, why it was refused.

    Confidence is 0; the model's own quote (untrusted text, maybe not on any page) is the evidence,
    without offsets; the value is stored when it has a stored form, and shown as JSON in any case.
    """
    shown = None if result.value is None else json.dumps(result.value, ensure_ascii=False)[:300]
    candidate = Candidate(
        field=account_field,
        value=_storable(result.value),
        value_text=shown,
        confidence=0.0,
        source_kind="llm",
        source_url=result.source_url,
        evidence=result.evidence,
        page_sha256=result.page_sha256,
        extractor=f"llm:{result.prompt_name}",
        extractor_version=result.prompt_version,
        reason=reason or f"{result.reason}: {result.detail}",
    )
    return _with_llm_provenance(candidate, result, injection=False)


async def research_account(
    target: Target,
    fields: Sequence[str],
    *,
    fetcher: Fetcher,
    now: datetime,
    accept_threshold: float,
    max_pages: int,
    researcher: SmartFieldResearcher | None = None,
    smart_fields: dict[str, SmartField] | None = None,
    allowed_industries: Sequence[str] | None = None,
) -> Outcome:
    """Research ``fields`` of one account. Raises only BudgetExceeded / UpstreamError from the LLM."""
    outcome = Outcome(target.account_id)
    pages = await gather_pages(fetcher, target, outcome, max_pages=max_pages)
    extractions: list[PageExtraction] = [extract_page(page, now=now) for page in pages]
    for extraction in extractions:
        outcome.page_kinds[extraction.page.url] = extraction.classification.kind
    minable = [extraction.page for extraction in extractions if extraction.classification.minable]
    if pages and not minable:
        kinds = sorted({extraction.classification.kind for extraction in extractions})
        outcome.problem = f"no minable page ({', '.join(kinds)})"
    grouped = findings_by_field(extractions)
    decisions: dict[str, list[Decision]] = {}
    for name in fields:
        decisions[name] = decide(grouped.get(name, []), accept_threshold, now=now, own_domain=target.domain)
    open_fields = [
        name for name in fields if minable and not any(d.status == "accepted" for d in decisions[name])
    ]
    injected: set[str] = set()
    rejected: list[Candidate] = []  # model answers that failed verification: recorded, never counted
    if researcher is not None and smart_fields:
        sources = [SourcePage.from_html(page.url, page.text, sha256=page.sha256) for page in minable]
        company = Company(target.name, target.domain)
        for name in open_fields:
            smart = smart_fields.get(SMART_FIELD_FOR.get(name, name))
            if smart is None:
                continue
            allowed = list(allowed_industries) if name == "industry" and allowed_industries else None
            result = await researcher.research(smart, sources, company, allowed_values=allowed)
            outcome.llm_results.append(result)
            if result.status == "rejected":
                rejected.append(rejected_llm_candidate(result, name))
            if result.status != "verified":
                continue
            finding = _llm_finding(result, minable, name)
            if finding is None:
                # verified on the visible text, yet not to be found in the stored page: no offsets, no value
                reason = "quote_unmapped: the verified quote could not be located in the stored page text"
                rejected.append(rejected_llm_candidate(result, name, reason))
                continue
            if result.injection_suspected:
                injected.add(name)
            decisions[name] = decide(
                [*grouped.get(name, []), finding], accept_threshold, now=now, own_domain=target.domain
            )
    else:
        outcome.needs_llm = [name for name in open_fields if name in SMART_FIELD_FOR]
    llm_by_field = {r.account_field: r for r in outcome.llm_results if r.status == "verified"}
    for name in fields:
        for decision in decisions[name]:
            candidate, status = candidate_from(decision)
            if decision.finding.source_kind == "llm" and name in llm_by_field:
                candidate = _with_llm_provenance(candidate, llm_by_field[name], name in injected)
                if name in injected and status == "accepted":
                    status = "pending_review"  # never auto-accept what followed a suspected injection
            outcome.values.append((candidate, status))
    outcome.values.extend((candidate, "rejected") for candidate in rejected)
    return outcome
