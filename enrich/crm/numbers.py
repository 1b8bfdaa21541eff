"""Moved to :mod:`enrich.numbers`; these names stay only until ``enrich/cleanup/`` imports from there."""

from __future__ import annotations

from enrich.numbers import NumRange
from enrich.numbers import parse_crm_number as parse_number

__all__ = ["NumRange", "parse_number"]
