"""The per-run LLM budget (tokens and money), the cost of a call, and the call log.

Before every call the caller *reserves* the worst case: the estimated prompt tokens
(``estimate_tokens``, characters / 4) plus the reply's ``max_tokens``, priced at the model's input
and output rates. If spent + reserved + that worst case would pass either limit, ``BudgetExceeded``
is raised and no call is made; the run stops cleanly and the next run resumes (answers already
received are cached). After the call the reservation is settled with the usage the server
reported. Reservations make the check hold under concurrency: two coroutines cannot both pass it
with the last bit of budget.

Prices are USD per 1M tokens (``Settings.llm_prices``: model → (input, output)); a model without a
price is costed at 0, and this is logged once as a warning.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from enrich.config import Settings
from enrich.errors import BudgetExceeded
from enrich.llm.call_log import log

_PER_MILLION = 1_000_000


@dataclass(frozen=True)
class Reservation:
    """Budget held for one call until it is settled or released."""

    id: int
    model: str
    tokens: int
    cost_usd: float


@dataclass
class RunUsage:
    """What the run's LLM calls used so far (cache hits are not calls and count nothing)."""

    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0


@dataclass
class RunBudget:
    """Token and money limits for one run, with what has been spent and reserved."""

    max_tokens: int
    max_usd: float
    prices: dict[str, tuple[float, float]] = field(default_factory=dict)
    usage: RunUsage = field(default_factory=RunUsage)
    _reserved: dict[int, Reservation] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _unpriced_warned: set[str] = field(default_factory=set)

    @classmethod
    def from_settings(cls, settings: Settings) -> RunBudget:
        return cls(
            max_tokens=settings.llm_budget_tokens,
            max_usd=settings.llm_budget_usd,
            prices=dict(settings.llm_prices),
        )

    def cost_usd(self, model: str, tokens_in: int, tokens_out: int) -> float:
        """USD for a call with these token counts (0 for a model without a price)."""
        price = self.prices.get(model)
        if price is None:
            if model not in self._unpriced_warned:
                self._unpriced_warned.add(model)
                log.warning("no price for model %s in LEADSCORE_LLM_PRICES: its calls are costed at 0", model)
            return 0.0
        price_in, price_out = price
        return (tokens_in * price_in + tokens_out * price_out) / _PER_MILLION

    @property
    def reserved_tokens(self) -> int:
        return sum(reservation.tokens for reservation in self._reserved.values())

    @property
    def reserved_usd(self) -> float:
        return sum(reservation.cost_usd for reservation in self._reserved.values())

    def reserve(
        self, model: str, prompt_tokens: int, max_reply_tokens: int, *, what: str = ""
    ) -> Reservation:
        """Hold the worst case of the next call, or raise BudgetExceeded if it does not fit."""
        tokens = prompt_tokens + max_reply_tokens
        cost = self.cost_usd(model, prompt_tokens, max_reply_tokens)
        used_tokens = self.usage.tokens_in + self.usage.tokens_out + self.reserved_tokens
        used_usd = self.usage.cost_usd + self.reserved_usd
        if used_tokens + tokens > self.max_tokens or used_usd + cost > self.max_usd:
            call = f" ({what})" if what else ""
            raise BudgetExceeded(
                f"LLM budget for this run reached: {used_tokens:,} of {self.max_tokens:,} tokens and "
                f"${used_usd:.4f} of ${self.max_usd:.4f} used; the next call{call} needs up to "
                f"{tokens:,} tokens (${cost:.4f})",
                hint="the run stopped cleanly: run it again to resume (answers received are cached), "
                "or raise LEADSCORE_LLM_BUDGET_TOKENS / LEADSCORE_LLM_BUDGET_USD",
            )
        reservation = Reservation(next(self._ids), model, tokens, cost)
        self._reserved[reservation.id] = reservation
        return reservation

    def settle(self, reservation: Reservation, tokens_in: int, tokens_out: int, latency_s: float) -> float:
        """Replace the reservation by what the call really used; returns the call's cost in USD."""
        self._reserved.pop(reservation.id, None)
        cost = self.cost_usd(reservation.model, tokens_in, tokens_out)
        self.usage.calls += 1
        self.usage.tokens_in += tokens_in
        self.usage.tokens_out += tokens_out
        self.usage.cost_usd += cost
        self.usage.latency_s += latency_s
        return cost

    def release(self, reservation: Reservation) -> None:
        """Give the reservation back (the call failed before any usage was reported)."""
        self._reserved.pop(reservation.id, None)
