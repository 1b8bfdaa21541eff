"""Moved to :mod:`enrich.countries`; this name stays only until ``enrich/cleanup/`` imports from there."""

from __future__ import annotations

from enrich.countries import require_country_code as country_code

__all__ = ["country_code"]
