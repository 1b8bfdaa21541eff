"""Smart fields: facts the LLM may research, defined as data (TOML) and pointing at a prompt file.

Built-in fields live in ``prompts/smart_fields.toml``; users add their own, or override a built-in
by name, with ``[smart_fields.<name>]`` tables in ``leadscore.toml`` or a separate TOML file::

    [smart_fields.uses_sap]
    type = "boolean"                       # integer | integer_range | enum | iso_country | year
                                           # | short_text | boolean
    prompt = "uses_sap.yaml"               # beside the TOML file, else in the prompts directory
    question = "Does the company use SAP?"
    keywords = ["SAP", "ERP", "S/4HANA"]   # snippet selection (BM25 query) and quote context
    accept_threshold = 0.9                 # passed on to the confidence rules
    value_terms = { true = ["SAP"] }       # words a quote must contain to support a value
    # bounds = { min = 1, max = 5_000_000 }  (numeric types)  allowed_values = [...]  (enum)

Any mistake is a ConfigError naming the file and the key (``smart_fields.uses_sap.type``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from enrich.errors import ConfigError
from enrich.llm.prompts import PromptTemplate, load_prompt

FieldType = Literal["integer", "integer_range", "enum", "iso_country", "year", "short_text", "boolean"]
NUMERIC_TYPES: frozenset[str] = frozenset({"integer", "integer_range", "year"})
BUILTIN_FILE = "smart_fields.toml"


class _Bounds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float | None = None
    max: float | None = None


class _FieldSpec(BaseModel):
    """One ``[smart_fields.<name>]`` table as written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: FieldType
    prompt: str = Field(min_length=1)
    question: str = Field(min_length=1)
    keywords: list[str] = Field(min_length=1)
    accept_threshold: float = Field(default=0.85, ge=0.0, le=1.0)
    bounds: _Bounds | None = None
    allowed_values: list[str] = Field(default_factory=list)
    value_terms: dict[str, list[str]] = Field(default_factory=dict)
    account_field: str | None = None
    max_snippets: int = Field(default=3, ge=1, le=12)
    max_snippet_chars: int = Field(default=1000, ge=200, le=12000)

    @model_validator(mode="after")
    def _type_specific_keys(self) -> _FieldSpec:
        if self.bounds is not None and self.type not in NUMERIC_TYPES:
            raise ValueError("bounds only apply to integer, integer_range and year fields")
        if self.allowed_values and self.type != "enum":
            raise ValueError("allowed_values only applies to enum fields")
        if self.type == "boolean" and not set(self.value_terms) <= {"true", "false"}:
            raise ValueError("value_terms of a boolean field may only have the keys true and false")
        return self


@dataclass(frozen=True)
class SmartField:
    """A validated smart field with its loaded prompt."""

    name: str
    type: FieldType
    prompt: PromptTemplate
    question: str
    keywords: tuple[str, ...]
    accept_threshold: float = 0.85
    min_value: float | None = None
    max_value: float | None = None
    allowed_values: tuple[str, ...] = ()
    value_terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    account_field: str | None = None
    max_snippets: int = 3
    max_snippet_chars: int = 1000
    source: str = ""

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES


def _resolve_prompt(prompt: str, toml_dir: Path, prompts_dir: Path) -> Path | None:
    for base in (toml_dir, prompts_dir):
        candidate = (base / prompt).resolve()
        if candidate.is_file():
            return candidate
    return None


def _first_error(exc: ValidationError) -> tuple[str, str]:
    err = exc.errors()[0]
    location = ".".join(str(part) for part in err["loc"])
    return location, str(err["msg"]).removeprefix("Value error, ")


def _build(name: str, raw: Any, path: Path, prompts_dir: Path) -> SmartField:
    key = f"smart_fields.{name}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: {key}: must be a table")
    try:
        spec = _FieldSpec.model_validate(raw)
    except ValidationError as exc:
        location, reason = _first_error(exc)
        where = f"{key}.{location}" if location else key
        raise ConfigError(
            f"{path}: {where}: {reason}", hint="see docs/llm.md, 'Your own smart fields'"
        ) from exc
    prompt_path = _resolve_prompt(spec.prompt, path.parent, prompts_dir)
    if prompt_path is None:
        raise ConfigError(
            f"{path}: {key}.prompt: prompt file {spec.prompt!r} not found beside the file or in {prompts_dir}"
        )
    bounds = spec.bounds or _Bounds()
    return SmartField(
        name=name,
        type=spec.type,
        prompt=load_prompt(prompt_path),
        question=spec.question,
        keywords=tuple(spec.keywords),
        accept_threshold=spec.accept_threshold,
        min_value=bounds.min,
        max_value=bounds.max,
        allowed_values=tuple(spec.allowed_values),
        value_terms={label: tuple(terms) for label, terms in spec.value_terms.items()},
        account_field=spec.account_field,
        max_snippets=spec.max_snippets,
        max_snippet_chars=spec.max_snippet_chars,
        source=str(path),
    )


def load_smart_fields(path: Path, prompts_dir: Path) -> dict[str, SmartField]:
    """The ``[smart_fields.*]`` tables of a TOML file (none is fine: an empty dict)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read smart field file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    tables = document.get("smart_fields", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{path}: smart_fields: must be a table of [smart_fields.<name>] tables")
    return {name: _build(name, raw, path, prompts_dir) for name, raw in tables.items()}


def builtin_smart_fields(prompts_dir: Path) -> dict[str, SmartField]:
    """The smart fields shipped with leadscore (``prompts/smart_fields.toml``)."""
    return load_smart_fields(prompts_dir / BUILTIN_FILE, prompts_dir)


def all_smart_fields(prompts_dir: Path, *user_files: Path) -> dict[str, SmartField]:
    """Built-in fields, then each user file's in order; a later definition replaces one of the same name."""
    fields = builtin_smart_fields(prompts_dir)
    for path in user_files:
        fields.update(load_smart_fields(path, prompts_dir))
    return fields
