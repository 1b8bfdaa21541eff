"""The LLM behind a small Protocol, and its implementation on the official ``openai`` SDK.

``LLMClient.complete(request) -> LLMResponse`` is all the rest of leadscore sees, so the worker can
take a fake in unit tests. ``OpenAIChatClient`` talks to any OpenAI-compatible chat completions
endpoint (OpenAI, Azure, Ollama, vLLM, llama.cpp; see docs/llm.md).

Retries: one policy only, the SDK's own (``max_retries=Settings.llm_max_retries``, exponential
backoff with jitter, ``Retry-After`` / ``retry-after-ms`` honoured up to 120 s, on connection
errors, timeouts, 408, 409, 429 and 5xx). Nothing here retries on top of it, and tenacity is not
used for LLM calls. ``timeout=Settings.llm_timeout_s`` applies to each attempt.

Structured output: ``response_format`` is a strict ``json_schema``. A server that rejects it with a
400 naming ``response_format``/``json_schema`` is asked again with ``{"type": "json_object"}`` and the
schema spelled out in the system message; the client remembers this for the rest of its life
(one run). Vendor exceptions become ``enrich.errors`` here: authentication and unknown models are
``ConfigError``, everything else ``UpstreamError``. No message or log line carries the API key, and
endpoints are shown without query strings.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import openai

from enrich.config import Settings
from enrich.errors import ConfigError, LeadscoreError, UpstreamError
from enrich.llm.call_log import log, redact_url
from enrich.llm.snippets import estimate_tokens

ResponseFormat = Literal["json_schema", "json_object"]
# A placeholder key for local servers (Ollama, vLLM, llama.cpp) that need none; the SDK insists on one.
NO_KEY_NEEDED = "not-needed"


@dataclass(frozen=True)
class LLMRequest:
    """One chat completion: two messages and the JSON schema the answer must follow."""

    model: str
    system: str
    user: str
    schema_name: str
    schema: dict[str, Any]
    max_tokens: int
    temperature: float = 0.0


@dataclass(frozen=True)
class LLMResponse:
    """The answer text, its JSON (None when it is not a JSON object), usage and timing."""

    content: str
    parsed: dict[str, Any] | None
    tokens_in: int
    tokens_out: int
    latency_s: float
    model: str
    response_format: ResponseFormat = "json_schema"
    usage_estimated: bool = False


class LLMClient(Protocol):
    async def complete(self, request: LLMRequest) -> LLMResponse:
        """Run one completion; raises UpstreamError / ConfigError, never vendor exceptions."""
        ...


def parse_json_object(content: str) -> dict[str, Any] | None:
    """``content`` as a JSON object, or None."""
    try:
        document = json.loads(content)
    except (json.JSONDecodeError, TypeError):
        return None
    return document if isinstance(document, dict) else None


def _mentions_response_format(exc: openai.BadRequestError) -> bool:
    text = f"{exc.message} {json.dumps(exc.body, default=str) if exc.body is not None else ''}".lower()
    return "response_format" in text or "json_schema" in text


class OpenAIChatClient:
    """``LLMClient`` on ``openai.AsyncOpenAI`` (or an injected SDK client, e.g. ``AsyncAzureOpenAI``)."""

    def __init__(
        self,
        settings: Settings,
        *,
        sdk_client: openai.AsyncOpenAI | None = None,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._timeout_s = settings.llm_timeout_s
        self._max_retries = settings.llm_max_retries
        self._timer = timer
        self.json_schema_supported = True
        if sdk_client is None:
            key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
            if key is None and settings.openai_base_url is None:
                raise ConfigError(
                    "no API key for the LLM",
                    hint="set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server that needs none",
                )
            sdk_client = openai.AsyncOpenAI(
                api_key=key or NO_KEY_NEEDED,
                base_url=settings.openai_base_url,
                timeout=settings.llm_timeout_s,
                max_retries=settings.llm_max_retries,
            )
        self._sdk = sdk_client
        self.endpoint = redact_url(str(sdk_client.base_url))

    async def aclose(self) -> None:
        await self._sdk.close()

    async def __aenter__(self) -> OpenAIChatClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def complete(self, request: LLMRequest) -> LLMResponse:
        started = self._timer()
        if self.json_schema_supported:
            try:
                completion = await self._create(request, "json_schema")
            except openai.BadRequestError as exc:
                if not _mentions_response_format(exc):
                    raise self._mapped(exc, request) from exc
                self.json_schema_supported = False
                log.warning(
                    "LLM server %s rejects json_schema response_format; using json_object for this run",
                    self.endpoint,
                )
            except openai.OpenAIError as exc:
                raise self._mapped(exc, request) from exc
            else:
                return self._response(request, completion, "json_schema", self._timer() - started)
        try:
            completion = await self._create(request, "json_object")
        except openai.OpenAIError as exc:
            raise self._mapped(exc, request) from exc
        return self._response(request, completion, "json_object", self._timer() - started)

    async def _create(self, request: LLMRequest, response_format: ResponseFormat) -> Any:
        system = request.system
        if response_format == "json_schema":
            format_param: Any = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name, "strict": True, "schema": request.schema},
            }
        else:
            format_param = {"type": "json_object"}
            system += "\n\nThe JSON object must follow this JSON schema:\n" + json.dumps(request.schema)
        return await self._sdk.chat.completions.create(
            model=request.model,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": request.user}],
            response_format=format_param,
            max_tokens=request.max_tokens,
            temperature=request.temperature,
        )

    def _response(
        self, request: LLMRequest, completion: Any, response_format: ResponseFormat, latency_s: float
    ) -> LLMResponse:
        choices = getattr(completion, "choices", None) or []
        content = (choices[0].message.content if choices else None) or ""
        usage = getattr(completion, "usage", None)
        if usage is not None:
            tokens_in, tokens_out, estimated = int(usage.prompt_tokens), int(usage.completion_tokens), False
        else:  # some local servers report no usage: estimate so the budget still counts the call
            tokens_in = estimate_tokens(request.system + request.user)
            tokens_out, estimated = estimate_tokens(content), True
        return LLMResponse(
            content=content,
            parsed=parse_json_object(content),
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            latency_s=latency_s,
            model=str(getattr(completion, "model", None) or request.model),
            response_format=response_format,
            usage_estimated=estimated,
        )

    def _mapped(self, exc: openai.OpenAIError, request: LLMRequest) -> LeadscoreError:
        """The vendor exception as an enrich.errors exception (the key never appears in it)."""
        where = f"LLM server {self.endpoint}"
        if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
            return ConfigError(
                f"{where} refused the credentials ({exc.status_code})",
                hint="check OPENAI_API_KEY (or LEADSCORE_OPENAI_API_KEY) and OPENAI_BASE_URL",
            )
        if isinstance(exc, openai.NotFoundError):
            return ConfigError(
                f"{where} does not know model {request.model!r} or the chat completions path (404)",
                hint="check LEADSCORE_LLM_MODEL and OPENAI_BASE_URL (it usually ends in /v1)",
            )
        count = self._max_retries
        retries = f"after {count} {'retry' if count == 1 else 'retries'}" if count else "without retries"
        if isinstance(exc, openai.APITimeoutError):
            return UpstreamError(f"{where} did not answer within {self._timeout_s:g} s ({retries})")
        if isinstance(exc, openai.APIConnectionError):
            return UpstreamError(f"cannot reach {where} ({retries})")
        if isinstance(exc, openai.RateLimitError):
            return UpstreamError(f"{where} is rate limiting (429, {retries})", hint="try again later")
        if isinstance(exc, openai.APIStatusError):
            return UpstreamError(f"{where} answered {exc.status_code} ({retries}): {exc.message[:200]}")
        return UpstreamError(f"{where} failed: {type(exc).__name__}")
