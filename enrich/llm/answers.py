"""The answer the model must give: its JSON schema per field type, and parsing it into typed values.

Model output is untrusted input: it is parsed with pydantic and typed strictly. Nothing is repaired
beyond trimming and upper-casing a country code; a wrong shape is ``invalid_json``.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from enrich.llm.smart_fields import SmartField

_INTEGER_RANGE = {
    "type": "object",
    "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}},
    "required": ["min", "max"],
    "additionalProperties": False,
}


class ModelAnswer(BaseModel):
    """The JSON object every smart-field prompt asks for."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    value: Any = None
    unknown: bool = False
    evidence: str | None = None
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)


class AnswerRejected(Exception):
    """The answer cannot become a candidate; ``reason`` is the stored reason code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _value_schema(field: SmartField, allowed_values: tuple[str, ...]) -> dict[str, Any]:
    if field.type == "integer_range":
        return {"anyOf": [{"type": "integer"}, _INTEGER_RANGE, {"type": "null"}]}
    if field.type in ("integer", "year"):
        return {"type": ["integer", "null"]}
    if field.type == "boolean":
        return {"type": ["boolean", "null"]}
    if field.type == "enum":
        return {"type": ["string", "null"], "enum": [*allowed_values, None]}
    if field.type == "iso_country":
        return {"type": ["string", "null"], "description": "ISO 3166-1 alpha-2 code, e.g. DE"}
    return {"type": ["string", "null"]}


def answer_schema(field: SmartField, allowed_values: tuple[str, ...] = ()) -> dict[str, Any]:
    """JSON schema for ``response_format`` (strict mode: every key required, no others)."""
    return {
        "type": "object",
        "properties": {
            "value": _value_schema(field, allowed_values),
            "unknown": {"type": "boolean"},
            "evidence": {"type": ["string", "null"]},
            "confidence": {"type": ["number", "null"]},
        },
        "required": ["value", "unknown", "evidence", "confidence"],
        "additionalProperties": False,
    }


def parse_answer(content: str) -> ModelAnswer:
    """The model's reply as a ModelAnswer; ``AnswerRejected('invalid_json')`` when it is not one."""
    try:
        document = json.loads(content)
    except (json.JSONDecodeError, TypeError) as exc:
        raise AnswerRejected("invalid_json", f"reply is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise AnswerRejected("invalid_json", "reply is not a JSON object")
    try:
        return ModelAnswer.model_validate(document)
    except ValidationError as exc:
        raise AnswerRejected(
            "invalid_json", f"reply does not match the schema: {exc.errors()[0]['msg']}"
        ) from exc


def _integer(raw: object, what: str) -> int:
    if isinstance(raw, bool):
        raise AnswerRejected("invalid_json", f"{what} must be an integer, got a boolean")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    raise AnswerRejected("invalid_json", f"{what} must be an integer, got {type(raw).__name__}")


def typed_value(field: SmartField, raw: object) -> int | str | bool | dict[str, int]:
    """``raw`` (a non-null answer value) checked against the field's type."""
    if field.type in ("integer", "year"):
        return _integer(raw, "value")
    if field.type == "integer_range":
        if isinstance(raw, dict):
            if set(raw) != {"min", "max"}:
                raise AnswerRejected("invalid_json", "a range must have exactly the keys min and max")
            low, high = _integer(raw["min"], "min"), _integer(raw["max"], "max")
            if low > high:
                raise AnswerRejected("invalid_json", f"range min {low} is above max {high}")
            return low if low == high else {"min": low, "max": high}
        return _integer(raw, "value")
    if field.type == "boolean":
        if not isinstance(raw, bool):
            raise AnswerRejected("invalid_json", f"value must be true or false, got {type(raw).__name__}")
        return raw
    if not isinstance(raw, str) or not raw.strip():
        raise AnswerRejected("invalid_json", "value must be a non-empty string")
    if field.type == "iso_country":
        return raw.strip().upper()
    if field.type == "short_text" and len(raw.strip()) > 200:
        raise AnswerRejected("invalid_json", "short_text value longer than 200 characters")
    return raw.strip()
