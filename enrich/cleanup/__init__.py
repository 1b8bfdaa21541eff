"""The scheduled CRM cleanup (``leadscore cleanup``): normalise, find duplicates, re-research stale
values, flag implausible ones, then re-score what changed.

Pure steps (``normalise``, ``industries``, ``implausible``, ``duplicates``, ``stale.stale_values``)
take :class:`~enrich.cleanup.model.AccountSnapshot` data and return proposals; ``plan`` runs them over
the store, ``apply`` and ``merge`` write a plan with guarded, one-account (or one-merge) transactions,
``lock`` keeps it to one run per database, ``runner`` ties it together and ``report`` writes the file.
See docs/cleanup.md.
"""
