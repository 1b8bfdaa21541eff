"""Researching one smart field for one company: snippets → prompt → (cache | budget → LLM) → verification.

The result is a candidate, never a decision: ``status`` says whether the answer survived
verification, and the lead's confidence rules decide accept vs review. An LLM value alone is meant
to stay below the accept threshold unless a deterministic extractor agrees (docs/llm.md), and
``injection_suspected`` tells those rules that a snippet shown to the model read like an
instruction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from enrich.clock import Clock, utc_now
from enrich.config import Settings
from enrich.errors import ConfigError
from enrich.llm.answers import answer_schema
from enrich.llm.budget import RunBudget
from enrich.llm.cache import CachedCompletion, LLMCache, cache_key
from enrich.llm.call_log import log, redact_url
from enrich.llm.client import LLMClient, LLMRequest, OpenAIChatClient
from enrich.llm.injection import looks_like_instruction
from enrich.llm.smart_fields import SmartField
from enrich.llm.snippets import Snippet, estimate_tokens, render_snippets, select_snippets
from enrich.llm.verify import Verdict, verify_answer
from enrich.llm.visible_text import SourcePage


@dataclass(frozen=True)
class Company:
    """Who the pages are about (shown to the model for orientation only)."""

    name: str
    domain: str | None = None


class SmartFieldResult(BaseModel):
    """One field's outcome with everything a ``field_value`` row needs for provenance.

    ``tokens_in``/``tokens_out``/``cost_usd``/``latency_s`` are those of the call that produced the
    answer, also when it came from the cache (``cached=True``; the run's own spending is
    ``RunBudget.usage``).
    ``model_confidence`` is the model's self-report: store it, never use it as the confidence.
    """

    model_config = ConfigDict(frozen=True)

    field: str
    account_field: str | None
    status: Literal["verified", "rejected", "unknown"]
    reason: str | None
    detail: str
    value: Any = None
    value_text: str | None = None
    evidence: str | None = None
    evidence_start: int | None = None
    evidence_end: int | None = None
    source_url: str | None = None
    page_sha256: str | None = None
    model: str
    prompt_name: str
    prompt_version: str
    prompt_sha256: str
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    cost_usd: float = 0.0
    model_confidence: float | None = None
    accept_threshold: float
    cached: bool = False
    injection_suspected: bool = False
    snippet_count: int = 0


def request_tokens(request: LLMRequest) -> int:
    """Estimated prompt tokens of ``request``: both messages and the JSON schema (servers count it too).

    The schema is counted in its compact JSON form: servers render it their own way, and the
    whitespace of our serialisation is not what they tokenise.
    """
    schema = json.dumps(request.schema, separators=(",", ":"), ensure_ascii=False)
    return estimate_tokens(request.system + request.user + schema)


class SmartFieldResearcher:
    """Fills smart fields for companies within one run's budget."""

    def __init__(
        self,
        client: LLMClient,
        budget: RunBudget,
        *,
        model: str,
        cache: LLMCache | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.client = client
        self.budget = budget
        self.model = model
        self.cache = cache
        self.clock = clock

    @classmethod
    def from_settings(
        cls, settings: Settings, *, cache: LLMCache | None = None, clock: Clock = utc_now
    ) -> SmartFieldResearcher:
        """The real thing: the openai SDK client and a fresh budget, both from Settings."""
        return cls(
            OpenAIChatClient(settings),
            RunBudget.from_settings(settings),
            model=settings.llm_model,
            cache=cache,
            clock=clock,
        )

    async def aclose(self) -> None:
        """Close the client's connections (the SDK's HTTP pool), when it holds any."""
        close = getattr(self.client, "aclose", None)
        if close is not None:
            await close()

    def build_request(
        self, field: SmartField, snippets: list[Snippet], company: Company, allowed_values: tuple[str, ...]
    ) -> LLMRequest:
        """The chat request for ``field`` over ``snippets`` (no I/O; also used by the token benchmark)."""
        allowed = f"Allowed values: {', '.join(allowed_values)}" if allowed_values else ""
        system, user = field.prompt.render(
            {
                "company_name": company.name,
                "company_domain": company.domain or "",
                "field_name": field.name,
                "question": field.question,
                "allowed_values": allowed,
                "snippets": render_snippets(snippets),
            }
        )
        return LLMRequest(
            model=self.model,
            system=system,
            user=user,
            schema_name=f"{field.name}_answer",
            schema=answer_schema(field, allowed_values),
            max_tokens=field.prompt.max_tokens,
        )

    def choose_snippets(
        self, field: SmartField, pages: list[SourcePage], allowed_values: tuple[str, ...] = ()
    ) -> list[Snippet]:
        """The passages of ``pages`` the model will see for ``field``."""
        # enum labels join the query; their synonyms do not: twelve labels' synonyms match everything
        keywords = (*field.keywords, *allowed_values) if field.type == "enum" else field.keywords
        return select_snippets(
            pages,
            keywords,
            needs_digit=field.is_numeric,
            max_snippets=field.max_snippets,
            max_chars=field.max_snippet_chars,
        )

    async def research(
        self,
        field: SmartField,
        pages: list[SourcePage],
        company: Company,
        *,
        allowed_values: list[str] | tuple[str, ...] | None = None,
    ) -> SmartFieldResult:
        """Research ``field`` on ``pages``; raises BudgetExceeded before a call that would not fit."""
        allowed = tuple(allowed_values) if allowed_values else field.allowed_values
        if field.type == "enum" and not allowed:
            raise ConfigError(
                f"smart field {field.name} is an enum without allowed values",
                hint="pass the allowed values (e.g. the ruleset's industry list) or set allowed_values",
            )
        snippets = self.choose_snippets(field, pages, allowed)
        base = {
            "field": field.name,
            "account_field": field.account_field,
            "model": self.model,
            "prompt_name": field.prompt.name,
            "prompt_version": field.prompt.version,
            "prompt_sha256": field.prompt.sha256,
            "accept_threshold": field.accept_threshold,
            "snippet_count": len(snippets),
        }
        if not snippets:
            return SmartFieldResult(
                status="unknown", reason="no_snippets", detail="no passage mentions it", **base
            )
        request = self.build_request(field, snippets, company, allowed)
        key = cache_key(request, field.prompt.sha256)
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is None:
            prompt_tokens = request_tokens(request)
            reservation = self.budget.reserve(self.model, prompt_tokens, request.max_tokens, what=field.name)
            try:
                response = await self.client.complete(request)
            except BaseException:
                self.budget.release(reservation)
                raise
            self.budget.settle(reservation, response.tokens_in, response.tokens_out, response.latency_s)
            completion = CachedCompletion(
                response.content, response.model, response.tokens_in, response.tokens_out, response.latency_s
            )
            if self.cache is not None and response.parsed is not None:
                self.cache.put(key, completion)
        else:
            completion = cached
        verdict = verify_answer(
            field, completion.content, pages, allowed_values=allowed, current_year=self.clock().year
        )
        result = self._result(base, verdict, completion, cached is not None, snippets)
        self._log(result, snippets)
        return result

    def _result(
        self,
        base: dict[str, Any],
        verdict: Verdict,
        completion: CachedCompletion,
        cached: bool,
        snippets: list[Snippet],
    ) -> SmartFieldResult:
        match = verdict.match
        return SmartFieldResult(
            **{**base, "model": completion.model or self.model},
            status=verdict.status,
            reason=verdict.reason,
            detail=verdict.detail,
            value=verdict.value if verdict.status == "verified" else verdict.raw_value,
            value_text=verdict.value_text,
            evidence=verdict.evidence,
            evidence_start=match.start if match else None,
            evidence_end=match.end if match else None,
            source_url=match.page.url if match else None,
            page_sha256=match.page.sha256 if match else None,
            tokens_in=completion.tokens_in,
            tokens_out=completion.tokens_out,
            latency_s=completion.latency_s,
            cost_usd=self.budget.cost_usd(self.model, completion.tokens_in, completion.tokens_out),
            model_confidence=verdict.model_confidence,
            cached=cached,
            injection_suspected=any(looks_like_instruction(snippet.passage.text) for snippet in snippets),
        )

    def _log(self, result: SmartFieldResult, snippets: list[Snippet]) -> None:
        sources = sorted({redact_url(snippet.passage.page.url) for snippet in snippets})
        log.info(
            "llm %s field=%s model=%s prompt=%s@%s tokens_in=%d tokens_out=%d latency=%.3fs cost=$%.6f "
            "status=%s reason=%s sources=%s",
            "cache-hit" if result.cached else "call",
            result.field,
            result.model,
            result.prompt_name,
            result.prompt_version,
            result.tokens_in,
            result.tokens_out,
            0.0 if result.cached else result.latency_s,  # a cache hit waited for nothing this run
            result.cost_usd,
            result.status,
            result.reason or "-",
            ",".join(sources),
        )
