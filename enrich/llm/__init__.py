"""Smart fields: the LLM half of enrichment (DESIGN §1 step 4, docs/llm.md).

Takes already fetched pages (``SourcePage``) and returns verified candidate values
(``SmartFieldResult``); deciding accept vs review is the confidence rules' job, not this package's.

Entry points: ``all_smart_fields`` (definitions), ``SmartFieldResearcher.from_settings(...).research``
(one field for one company), ``RunBudget`` (per-run limits), ``LLMClient`` (the Protocol to fake).
"""

from enrich.llm.budget import RunBudget, RunUsage
from enrich.llm.cache import CachedCompletion, LLMCache, MemoryLLMCache
from enrich.llm.client import LLMClient, LLMRequest, LLMResponse, OpenAIChatClient
from enrich.llm.research import Company, SmartFieldResearcher, SmartFieldResult
from enrich.llm.smart_fields import SmartField, all_smart_fields, builtin_smart_fields, load_smart_fields
from enrich.llm.visible_text import SourcePage, visible_text

__all__ = [
    "CachedCompletion",
    "Company",
    "LLMCache",
    "LLMClient",
    "LLMRequest",
    "LLMResponse",
    "MemoryLLMCache",
    "OpenAIChatClient",
    "RunBudget",
    "RunUsage",
    "SmartField",
    "SmartFieldResearcher",
    "SmartFieldResult",
    "SourcePage",
    "all_smart_fields",
    "builtin_smart_fields",
    "load_smart_fields",
    "visible_text",
]
