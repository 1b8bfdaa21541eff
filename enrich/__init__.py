"""leadscore's enrichment agent and application shell (CLI, store, fetcher, extractors, LLM)."""

__version__ = "0.1.0"
