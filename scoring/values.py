"""Values the engine understands besides plain ints and strings: numeric ranges such as "50-200"."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_NUMBER = r"([0-9][0-9_,.]*)\s*([kmb]|bn)?"
_RANGE = re.compile(rf"^\s*{_NUMBER}\s*(?:-|–|to|\.\.)\s*{_NUMBER}\s*$", re.IGNORECASE)
_OPEN_RANGE = re.compile(rf"^\s*{_NUMBER}\s*\+\s*$", re.IGNORECASE)
_SCALE = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000, "bn": 1_000_000_000}


@dataclass(frozen=True, slots=True)
class NumRange:
    """A number known only to lie in ``min..max`` (both inclusive); ``max`` may be ``math.inf``.

    Conditions evaluate a range conservatively: true only if true for every value in it, false only if
    false for every value, otherwise unknown.
    """

    min: float
    max: float

    def __post_init__(self) -> None:
        if math.isnan(self.min) or math.isnan(self.max) or self.min > self.max:
            raise ValueError(f"not a range: {self.min}..{self.max}")

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | float) and self.min <= value <= self.max

    def to_json(self) -> dict[str, float | None]:
        return {"min": self.min, "max": None if math.isinf(self.max) else self.max}

    def __str__(self) -> str:
        low = _plain(self.min)
        return f"{low}+" if math.isinf(self.max) else f"{low}-{_plain(self.max)}"


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _number(digits: str, suffix: str | None) -> float:
    return float(digits.replace("_", "").replace(",", "")) * _SCALE[(suffix or "").lower()]


def parse_range(text: str) -> NumRange | None:
    """``"50-200"`` → NumRange(50, 200); ``"10000+"`` → NumRange(10000, inf); ``"1M-5M"`` scales by k/M/B.

    Anything else (including a reversed range) → None.
    """
    try:
        if match := _RANGE.match(text):
            return NumRange(_number(*match.group(1, 2)), _number(*match.group(3, 4)))
        if match := _OPEN_RANGE.match(text):
            return NumRange(_number(*match.group(1, 2)), math.inf)
    except ValueError:
        return None
    return None
