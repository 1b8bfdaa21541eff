"""Binning lead columns, and the weight of evidence of each bin, for :mod:`scoring.calibrate`.

A column becomes bins that take every value exactly once: quantile bins for numbers, one bin per frequent
category for text (rare categories pooled into "other"), and one bin for missing values. Each bin carries
the ruleset condition that selects it, written so it is never *unknown* (``x is present and x < 5``
rather than ``x < 5``): a calibrated ruleset then scores a lead with gaps exactly, not as a range.

Weight of evidence (WoE) is a bin's log-odds of converting minus the overall log-odds, shrunk towards 0
by ``prior_strength`` pseudo-leads at the base rate. A bin whose difference is not significant (|z| below
the critical value the caller passes, e.g. Bonferroni over all bins) or that has too few leads gets WoE
0: it earns no rule. That is how calibration declines to invent signal the data does not carry.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scoring.expressions import KEYWORDS, And, Compare, Expr, InList, IsMissing, parse, render
from scoring.metrics import FloatArray, IntArray

# Values that mean "not filled in": unfilled dropdowns ("Select"), export artefacts ("nan", "NULL").
PLACEHOLDERS = frozenset(
    {
        "",
        "select",
        "n/a",
        "na",
        "nan",
        "null",
        "none",
        "-",
        "--",
        "?",
        "unknown",
        "not provided",
        "not specified",
    }
)


def is_placeholder(text: str) -> bool:
    return " ".join(text.split()).lower() in PLACEHOLDERS


def field_name_for(column: str) -> str:
    """The ruleset field name of a column: lowercase, every run of other characters one underscore.

    ``"Total Time Spent on Website"`` → ``total_time_spent_on_website``; a leading digit gets ``f_`` in
    front and a condition keyword (``in``, ``missing`` …) gets ``_field`` behind, so the name parses.
    """
    name = re.sub(r"[^0-9a-z]+", "_", column.strip().lower()).strip("_") or "column"
    if name[0].isdigit():
        name = f"f_{name}"
    return f"{name}_field" if name in KEYWORDS else name


def parse_number(text: str) -> float | None:
    """A finite number written plainly (``1,200`` and ``1_200`` allowed), else None."""
    try:
        value = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def numbers_of(values: Sequence[str | None]) -> FloatArray | None:
    """The column as numbers (NaN where missing), or None when a present value is not a number."""
    out = np.full(len(values), np.nan)
    for index, text in enumerate(values):
        if text is None:
            continue
        number = parse_number(text)
        if number is None:
            return None
        out[index] = number
    return out


def plain_number(value: float) -> int | float:
    """An int when the value is whole (so conditions read ``x >= 3``, not ``x >= 3.0``)."""
    return int(value) if float(value).is_integer() and abs(value) < 1e15 else float(value)


def _nice(value: float, digits: int = 3) -> int | float:
    if value == 0:
        return 0
    places = digits - math.ceil(math.log10(abs(value)))
    return plain_number(round(value, places))


def _present(field: str) -> IsMissing:
    return IsMissing(field, negated=True)


def range_condition(field: str, low: float | None, high: float | None) -> Expr:
    """``field`` in ``[low, high)``; an open end is left out."""
    parts: list[Expr] = [_present(field)]
    if low is not None:
        parts.append(Compare(field, ">=", plain_number(low)))
    if high is not None:
        parts.append(Compare(field, "<", plain_number(high)))
    return And(tuple(parts)) if len(parts) > 1 else parts[0]


def category_condition(field: str, categories: Sequence[str], *, negated: bool = False) -> Expr:
    if not categories:
        return _present(field) if negated else IsMissing(field)
    return And((_present(field), InList(field, tuple(categories), negated)))


def missing_condition(field: str) -> Expr:
    return IsMissing(field)


def _readable(value: float) -> str:
    number = plain_number(value)
    return f"{number:,}" if isinstance(number, int) and abs(number) >= 10_000 else str(number)


def range_label(low: float | None, high: float | None) -> str:
    if low is None and high is None:
        return "any value"
    if low is None:
        return f"< {_readable(high or 0)}"
    if high is None:
        return f"≥ {_readable(low)}"
    return f"{_readable(low)} to < {_readable(high)}"


@dataclass(frozen=True)
class Bin:
    kind: str  # "range" | "category" | "other" | "missing"
    label: str
    condition: Expr
    categories: tuple[str, ...] = ()  # category bins: the spelling written into the condition
    low: float | None = None  # range bins: [low, high), None for an open end
    high: float | None = None


@dataclass(frozen=True)
class Binning:
    """How one column's values fall into bins; the last bin is always "missing"."""

    field: str
    numeric: bool
    bins: tuple[Bin, ...]
    edges: tuple[float, ...] = ()  # numeric: bin i holds edges[i-1] <= x < edges[i]
    category_index: dict[str, int] | None = None  # lowercased category → bin index

    @property
    def missing_bin(self) -> int:
        return len(self.bins) - 1

    def assign_numbers(self, numbers: FloatArray) -> IntArray:
        index = np.searchsorted(np.asarray(self.edges, dtype=np.float64), numbers, side="right")
        return np.where(np.isnan(numbers), self.missing_bin, index).astype(np.int64)

    def assign_labels(self, labels: Sequence[str | None]) -> IntArray:
        lookup = self.category_index or {}
        other = self.missing_bin - 1
        return np.fromiter(
            (self.missing_bin if text is None else lookup.get(text.lower(), other) for text in labels),
            dtype=np.int64,
            count=len(labels),
        )


def _renders_plainly(value: float) -> bool:
    """Exponent notation (``1e-05``) does not parse as a condition literal, so such edges are avoided."""
    text = render(Compare("x", "<", plain_number(value)))
    try:
        parse(text)
    except ValueError:
        return False
    return "e" not in text.split("<", 1)[1]


def numeric_binning(field: str, train: FloatArray, *, max_bins: int, min_support: int) -> Binning:
    """Quantile bins of the present training values, rounded to 3 significant digits, each with at least
    ``min_support`` training values (smaller bins merge into their smaller neighbour)."""
    present = train[~np.isnan(train)]
    edges: list[float] = []
    if present.size:
        quantiles = np.quantile(present, np.linspace(0, 1, max_bins + 1)[1:-1])
        candidates = sorted({float(_nice(float(q))) for q in quantiles})
        edges = [edge for edge in candidates if _renders_plainly(edge) and edge > present.min()]
    while edges:
        counts = np.bincount(
            np.searchsorted(np.asarray(edges), present, side="right"), minlength=len(edges) + 1
        )
        smallest = int(np.argmin(counts))
        if counts[smallest] >= min_support:
            break
        if smallest == 0:
            del edges[0]
        elif smallest == len(edges) or counts[smallest - 1] <= counts[smallest + 1]:
            del edges[smallest - 1]
        else:
            del edges[smallest]
    bounds: list[float | None] = [None, *edges, None]
    bins = [
        Bin("range", range_label(low, high), range_condition(field, low, high), low=low, high=high)
        for low, high in itertools.pairwise(bounds)
    ]
    bins.append(Bin("missing", "missing", missing_condition(field)))
    return Binning(field, True, tuple(bins), tuple(edges))


def categorical_binning(field: str, train: Sequence[str | None], *, min_support: int) -> Binning:
    """One bin per category with at least ``min_support`` training leads (case-insensitive, as conditions
    compare), the rest pooled into "other", then "missing"."""
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for text in train:
        if text is None:
            continue
        key = text.lower()
        counts[key] += 1
        spellings.setdefault(key, Counter())[text] += 1
    kept = sorted(
        (key for key, count in counts.items() if count >= min_support), key=lambda k: (-counts[k], k)
    )
    shown = [spellings[key].most_common(1)[0][0] for key in kept]
    bins = [
        Bin("category", spelling, category_condition(field, [spelling]), categories=(spelling,))
        for spelling in shown
    ]
    pooled = len(counts) - len(kept)
    other_label = f"other ({pooled} rarer value{'s' if pooled != 1 else ''})" if pooled else "other"
    bins.append(
        Bin("other", other_label, category_condition(field, shown, negated=True), categories=tuple(shown))
    )
    bins.append(Bin("missing", "missing", missing_condition(field)))
    return Binning(field, False, tuple(bins), category_index={key: i for i, key in enumerate(kept)})


@dataclass(frozen=True)
class BinEvidence:
    cases: int
    positives: int
    z: float  # the bin's log-odds ratio against the base, over its standard error
    significant: bool
    woe: float  # shrunk weight of evidence; 0 when not significant

    @property
    def conversion_rate(self) -> float | None:
        return self.positives / self.cases if self.cases else None


def _logit(rate: float) -> float:
    return math.log(rate / (1 - rate))


def weight_of_evidence(
    assignment: IntArray,
    outcomes: npt.NDArray[np.bool_],
    bin_count: int,
    *,
    prior_strength: float,
    z_critical: float,
    min_support: int,
) -> tuple[BinEvidence, ...]:
    """The evidence of each bin from training leads (``assignment[i]`` is lead i's bin)."""
    cases = np.bincount(assignment, minlength=bin_count)
    positives = np.bincount(assignment[outcomes], minlength=bin_count)
    total, total_pos = int(cases.sum()), int(positives.sum())
    base = total_pos / total
    result = []
    for count, pos in zip(cases.tolist(), positives.tolist(), strict=True):
        neg = count - pos
        if count == 0 or base in (0.0, 1.0):
            result.append(BinEvidence(count, pos, 0.0, False, 0.0))
            continue
        ratio = math.log((pos + 0.5) / (neg + 0.5)) - _logit(base)
        z = ratio / math.sqrt(1 / (pos + 0.5) + 1 / (neg + 0.5))
        significant = count >= min_support and abs(z) >= z_critical
        shrunk = (pos + prior_strength * base) / (count + prior_strength)
        result.append(
            BinEvidence(count, pos, z, significant, _logit(shrunk) - _logit(base) if significant else 0.0)
        )
    return tuple(result)
