"""Caching LLM answers: same model, prompt file, rendered messages and schema → the same answer, no call.

The key is the sha256 of a canonical JSON document holding the model name, the prompt file's
sha256, both rendered messages, the schema name and schema, and ``max_tokens``. Only answers that
parse as JSON objects are cached, so a garbled reply is asked again next run. The store-backed
implementation is ``enrich.store.llm_cache.SqlLLMCache``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Protocol

from enrich.llm.client import LLMRequest


@dataclass(frozen=True)
class CachedCompletion:
    """An answer as received, with the usage and latency of the call that produced it."""

    content: str
    model: str
    tokens_in: int
    tokens_out: int
    latency_s: float = 0.0


class LLMCache(Protocol):
    def get(self, key: str) -> CachedCompletion | None:
        """The cached answer for ``key``, or None."""
        ...

    def put(self, key: str, completion: CachedCompletion) -> None:
        """Store ``completion`` under ``key``; storing a key twice keeps the first and does not fail."""
        ...


def cache_key(request: LLMRequest, prompt_sha256: str) -> str:
    """sha256 over model, prompt hash, rendered messages, schema and max_tokens (canonical JSON)."""
    document = {
        "model": request.model,
        "prompt_sha256": prompt_sha256,
        "system": request.system,
        "user": request.user,
        "schema_name": request.schema_name,
        "schema": request.schema,
        "max_tokens": request.max_tokens,
    }
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class MemoryLLMCache:
    """A dict-backed cache for one process (tests, dry runs)."""

    def __init__(self) -> None:
        self.entries: dict[str, CachedCompletion] = {}

    def get(self, key: str) -> CachedCompletion | None:
        return self.entries.get(key)

    def put(self, key: str, completion: CachedCompletion) -> None:
        self.entries.setdefault(key, completion)
