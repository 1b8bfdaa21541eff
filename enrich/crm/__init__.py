"""CRM exports in and out: reading CSV files, column presets, value normalisation and row validation.

Everything here is pure (no database); ``enrich.store.importer`` and ``enrich.store.exporter`` do the writing.
"""
