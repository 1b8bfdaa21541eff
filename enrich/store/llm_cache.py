"""The LLM answer cache on the ``llm_cache`` table (``enrich.llm.cache.LLMCache``).

Writes are idempotent: the key is the primary key, and a second write of the same key (another
worker got there first, or a resumed run) is ignored, keeping the first answer.
"""

from __future__ import annotations

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from enrich.clock import Clock, utc_now
from enrich.llm.cache import CachedCompletion
from enrich.store.schema import llm_cache


class SqlLLMCache:
    """``LLMCache`` backed by the store (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self._engine = engine
        self._clock = clock

    def get(self, key: str) -> CachedCompletion | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(llm_cache.c.response, llm_cache.c.tokens_in, llm_cache.c.tokens_out).where(
                    llm_cache.c.key == key
                )
            ).first()
        if row is None:
            return None
        response = row.response if isinstance(row.response, dict) else {}
        latency = response.get("latency_s")
        return CachedCompletion(
            content=str(response.get("content", "")),
            model=str(response.get("model", "")),
            tokens_in=int(row.tokens_in),
            tokens_out=int(row.tokens_out),
            latency_s=float(latency) if isinstance(latency, int | float) else 0.0,
        )

    def put(self, key: str, completion: CachedCompletion) -> None:
        row = {
            "key": key,
            "response": {
                "content": completion.content,
                "model": completion.model,
                "latency_s": completion.latency_s,
            },
            "tokens_in": completion.tokens_in,
            "tokens_out": completion.tokens_out,
            "created_at": self._clock(),
        }
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(llm_cache).values(**row))
        except IntegrityError:
            # the same key written before: same request, first answer kept
            return
