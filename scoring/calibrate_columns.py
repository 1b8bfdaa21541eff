"""Which columns calibration may learn from: typing each column, and the leakage guard.

A column is left out, with the reason reported, when it

- is the outcome itself, or the user excluded it (``--exclude``);
- identifies the lead rather than describing it: a built-in identity field (name, domain, website), text
  that is unique for almost every lead, or a unique number whose name says id/number/key;
- holds a single value;
- holds dates (when something happened, not who the lead is; close dates are set by the outcome);
- is probably filled in by sales after contact, judged by words in its name (:data:`DEFAULT_LEAK_WORDS`:
  tags, status, quality, rating, stage, score, profile, owner, assigned, index …; configurable);
- predicts the outcome almost perfectly on its own: single-column AUC above ``leak_auc`` (0.95 by
  default). Real buying signals rarely do; a column that does usually records the outcome.

The last two are guesses, so ``--allow-column`` overrides them (and the identifier guess).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from scoring.calibrate_bins import (
    categorical_binning,
    field_name_for,
    numbers_of,
    numeric_binning,
    parse_number,
    weight_of_evidence,
)
from scoring.fields import ACCOUNT_FIELDS, FieldType
from scoring.metrics import FloatArray, roc_auc, score_levels

DEFAULT_LEAK_WORDS: tuple[str, ...] = (
    "tag",
    "status",
    "quality",
    "rating",
    "stage",
    "score",
    "profile",
    "owner",
    "assigned",
    "index",
    "reason",
    "disposition",
    "outcome",
    "result",
)
DEFAULT_LEAK_AUC = 0.95
IDENTITY_FIELDS = frozenset({"name", "domain", "website"})
_ID_WORDS = frozenset({"id", "number", "no", "nr", "key", "uuid", "guid"})
_COUNTRY_CODE = re.compile(r"^[A-Za-z]{2}$")
_DATE = re.compile(r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})([ T].*)?$")
_UNIQUE_SHARE = 0.9
_UNIQUE_MIN_ROWS = 20


class ColumnStatus(StrEnum):
    USED = "used"
    EXCLUDED = "excluded"  # left out on purpose: by the user, as an identifier or as a likely leak
    SKIPPED = "skipped"  # nothing to learn: a single value, or a field name taken by another column


@dataclass(frozen=True)
class ColumnDecision:
    column: str
    field: str
    status: ColumnStatus
    reason: str
    single_auc: float | None = None


@dataclass(frozen=True)
class PreparedColumn:
    """A column ready for binning: numbers (NaN missing) or text labels (None missing)."""

    column: str
    field: str
    field_type: str  # "integer" | "number" | "string" | "country"
    builtin: bool
    numbers: FloatArray | None
    labels: Sequence[str | None] | None

    @property
    def numeric(self) -> bool:
        return self.numbers is not None


def _split_words(column: str) -> list[str]:
    return [word for word in re.split(r"[^0-9a-z]+", column.lower()) if word]


def _words(column: str) -> set[str]:
    """The name's words without a plural s, so "Tags" meets "tag"."""
    return {word.removesuffix("s") for word in _split_words(column)}


def prepare_column(column: str, values: Sequence[str | None]) -> PreparedColumn:
    """Type a column: built-in fields keep their catalogue type (values that do not fit count as missing);
    other columns are numeric when every present value is a plain number."""
    field = field_name_for(column)
    spec = ACCOUNT_FIELDS.get(field)
    if spec is not None:
        if spec.type.is_numeric:
            parsed = (None if value is None else parse_number(value) for value in values)
            numbers = np.fromiter(
                (np.nan if n is None else n for n in parsed), dtype=np.float64, count=len(values)
            )
            return PreparedColumn(column, field, spec.type.value, True, numbers, None)
        if spec.type is FieldType.COUNTRY:
            codes = [value.upper() if value and _COUNTRY_CODE.match(value) else None for value in values]
            return PreparedColumn(column, field, "country", True, None, codes)
        return PreparedColumn(column, field, "string", True, None, list(values))
    parsed_numbers = numbers_of(values)
    if parsed_numbers is None:
        return PreparedColumn(column, field, "string", False, None, list(values))
    present = parsed_numbers[~np.isnan(parsed_numbers)]
    whole = bool(np.all(np.floor(present) == present))
    return PreparedColumn(column, field, "integer" if whole else "number", False, parsed_numbers, None)


def _present_count(column: PreparedColumn) -> tuple[int, int]:
    """(present values, distinct present values); text compares case-insensitively."""
    if column.numbers is not None:
        present = column.numbers[~np.isnan(column.numbers)]
        return int(present.size), int(np.unique(present).size)
    labels = [label.lower() for label in column.labels or () if label is not None]
    return len(labels), len(set(labels))


def _is_date_column(column: PreparedColumn) -> bool:
    labels = [label for label in column.labels or () if label is not None]
    return bool(labels) and all(_DATE.match(label) for label in labels)


def _identifier_reason(column: PreparedColumn) -> str | None:
    if column.field in IDENTITY_FIELDS:
        return f"identifies the lead ({column.field}), it does not describe it"
    present, distinct = _present_count(column)
    if present < _UNIQUE_MIN_ROWS or distinct < _UNIQUE_SHARE * present:
        return None
    if not column.numeric:
        return f"identifier: {distinct} distinct values in {present} leads"
    if _words(column.column) & _ID_WORDS:
        return f"identifier: a unique number per lead ({distinct} distinct values)"
    return None


def single_column_auc(
    column: PreparedColumn, outcomes: npt.NDArray[np.bool_], *, max_bins: int, min_support: int
) -> float | None:
    """How well this column alone ranks the leads (in-sample, direction-free: ≥ 0.5); None if one class.
    Bins as in calibration (rare categories pooled), so a many-valued column does not fit noise."""
    if outcomes.all() or not outcomes.any():
        return None
    if column.numbers is not None:
        binning = numeric_binning(column.field, column.numbers, max_bins=max_bins, min_support=min_support)
        assignment = binning.assign_numbers(column.numbers)
    else:
        labels = column.labels or ()
        binning = categorical_binning(column.field, labels, min_support=min_support)
        assignment = binning.assign_labels(labels)
    evidence = weight_of_evidence(
        assignment, outcomes, len(binning.bins), prior_strength=1.0, z_critical=0.0, min_support=0
    )
    woe = np.array([bin_.woe for bin_ in evidence])[assignment]
    auc = roc_auc(score_levels(woe, outcomes))
    return max(auc, 1.0 - auc)


def _matches(names: frozenset[str], column: PreparedColumn) -> bool:
    return column.column.lower() in names or column.field in names


def _screen(
    column: PreparedColumn,
    outcomes: npt.NDArray[np.bool_],
    *,
    excluded: bool,
    allowed: bool,
    leak_words: set[str],
    leak_auc: float,
    max_bins: int,
    min_support: int,
) -> tuple[ColumnStatus, str, float | None]:
    if excluded:
        return ColumnStatus.EXCLUDED, "excluded by the user (--exclude)", None
    if not allowed and (reason := _identifier_reason(column)):
        return ColumnStatus.EXCLUDED, reason, None
    if _present_count(column)[1] < 2:
        return ColumnStatus.SKIPPED, "a single value (or empty): nothing to learn", None
    if not allowed and _is_date_column(column):
        return ColumnStatus.EXCLUDED, "dates say when, not who (and are often set after the outcome)", None
    auc = single_column_auc(column, outcomes, max_bins=max_bins, min_support=min_support)
    words = sorted({word for word in _split_words(column.column) if word.removesuffix("s") in leak_words})
    if words and not allowed:
        listed = ", ".join(repr(word) for word in words)
        return (
            ColumnStatus.EXCLUDED,
            f"likely filled in after sales contact (name contains {listed})",
            auc,
        )
    if auc is not None and auc > leak_auc and not allowed:
        return (
            ColumnStatus.EXCLUDED,
            f"predicts the outcome almost perfectly on its own (AUC {auc:.3f} > {leak_auc}): probably "
            "recorded after the outcome",
            auc,
        )
    kind = "numeric" if column.numeric else "categorical"
    return ColumnStatus.USED, f"{kind} (allowed by the user)" if allowed else kind, auc


def screen_columns(
    columns: Mapping[str, Sequence[str | None]],
    outcomes: npt.NDArray[np.bool_],
    *,
    outcome_column: str,
    exclude: frozenset[str],
    allow: frozenset[str],
    leak_words: Sequence[str],
    leak_auc: float,
    max_bins: int,
    min_support: int,
) -> tuple[list[PreparedColumn], list[ColumnDecision]]:
    """The columns to learn from, and a decision with its reason for every column.

    ``exclude`` and ``allow`` hold column names or field names, lowercase."""
    used: list[PreparedColumn] = []
    decisions: list[ColumnDecision] = []
    taken: dict[str, str] = {}
    leak_set = {word.lower().removesuffix("s") for word in leak_words}
    for name, values in columns.items():
        if name == outcome_column:
            continue
        column = prepare_column(name, values)
        if column.field in taken:
            reason = f"same field name '{column.field}' as column '{taken[column.field]}'"
            decisions.append(ColumnDecision(name, column.field, ColumnStatus.SKIPPED, reason))
            continue
        taken[column.field] = name
        status, reason, auc = _screen(
            column,
            outcomes,
            excluded=_matches(exclude, column),
            allowed=_matches(allow, column),
            leak_words=leak_set,
            leak_auc=leak_auc,
            max_bins=max_bins,
            min_support=min_support,
        )
        decisions.append(ColumnDecision(name, column.field, status, reason, auc))
        if status is ColumnStatus.USED:
            used.append(column)
    return used, decisions
