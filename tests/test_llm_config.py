"""Smart fields and prompt files as data: loading, validation errors that name file and key, user fields."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from enrich.errors import ConfigError
from enrich.llm.prompts import load_prompt
from enrich.llm.smart_fields import all_smart_fields, builtin_smart_fields, load_smart_fields
from tests.fake_openai import FakeOpenAI, answer, fixture_company, llm_settings, research

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
VALID_PROMPT = """\
name: uses_sap
version: 2
system: |
  Does the company use SAP?
user: |
  ${company_name}: ${question}
  ${snippets}
output:
  value_hint: true or false
  max_tokens: 100
"""


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_builtin_prompt_is_valid_and_hashed() -> None:
    for field in builtin_smart_fields(PROMPTS).values():
        assert field.prompt.sha256 == hashlib.sha256(field.prompt.path.read_bytes()).hexdigest()
        assert field.prompt.path.parent == PROMPTS
        assert field.keywords


def test_user_defines_a_smart_field_in_toml_without_code(tmp_path: Path) -> None:
    _write(tmp_path, "uses_sap.yaml", VALID_PROMPT)
    config = _write(
        tmp_path,
        "leadscore.toml",
        """\
database_url = "sqlite:///x.db"

[smart_fields.uses_sap]
type = "boolean"
prompt = "uses_sap.yaml"
question = "Does the company use SAP?"
keywords = ["SAP", "ERP"]
accept_threshold = 0.9
value_terms = { true = ["SAP"] }
""",
    )
    fields = all_smart_fields(PROMPTS, config)
    assert "employee_count" in fields and "uses_sap" in fields
    uses_sap = fields["uses_sap"]
    assert (uses_sap.prompt.name, uses_sap.prompt.version, uses_sap.accept_threshold) == (
        "uses_sap",
        "2",
        0.9,
    )

    page = fixture_company("brightlane").pages[0]
    page = type(page)(page.url, page.sha256, page.text + "\nWe run our own finance on SAP S/4HANA.")
    with FakeOpenAI() as server:
        server.queue(answer(True, "We run our own finance on SAP S/4HANA."))
        [result] = research(llm_settings(server), [uses_sap], [page], fixture_company("brightlane").company)
    assert (result.status, result.value, result.prompt_name) == ("verified", True, "uses_sap")


def test_a_user_definition_replaces_a_builtin_of_the_same_name(tmp_path: Path) -> None:
    config = _write(
        tmp_path,
        "fields.toml",
        """\
[smart_fields.founded_year]
type = "year"
prompt = "founded_year.yaml"
question = "When was it founded?"
keywords = ["founded"]
bounds = { min = 1900 }
""",
    )
    fields = all_smart_fields(PROMPTS, config)
    assert fields["founded_year"].min_value == 1900 and fields["founded_year"].source == str(config)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('type = "number"\nprompt = "p.yaml"\nquestion = "q"\nkeywords = ["k"]', "smart_fields.bad.type"),
        ('type = "integer"\nprompt = "p.yaml"\nquestion = "q"', "smart_fields.bad.keywords"),
        ('type = "integer"\nprompt = "p.yaml"\nquestion = "q"\nkeywords = []', "smart_fields.bad.keywords"),
        (
            'type = "integer"\nprompt = "p.yaml"\nquestion = "q"\nkeywords = ["k"]\ncolour = 1',
            "smart_fields.bad.colour",
        ),
        (
            'type = "short_text"\nprompt = "p.yaml"\nquestion = "q"\nkeywords = ["k"]\nbounds = { min = 1 }',
            "smart_fields.bad",
        ),
        (
            'type = "integer"\nprompt = "p.yaml"\nquestion = "q"\nkeywords = ["k"]\naccept_threshold = 2',
            "accept_threshold",
        ),
        (
            'type = "integer"\nprompt = "missing.yaml"\nquestion = "q"\nkeywords = ["k"]',
            "smart_fields.bad.prompt",
        ),
    ],
)
def test_invalid_smart_field_is_a_config_error_naming_file_and_key(
    tmp_path: Path, table: str, key: str
) -> None:
    _write(tmp_path, "p.yaml", VALID_PROMPT)
    path = _write(tmp_path, "fields.toml", f"[smart_fields.bad]\n{table}\n")
    with pytest.raises(ConfigError) as raised:
        load_smart_fields(path, PROMPTS)
    assert str(path) in str(raised.value)
    assert key in str(raised.value)


def test_smart_field_file_that_is_not_toml_is_a_config_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "fields.toml", "[smart_fields.x\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_smart_fields(path, PROMPTS)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (VALID_PROMPT.replace("name: uses_sap\n", ""), "name"),
        (VALID_PROMPT.replace("${company_name}", "${company_size}"), "user"),
        (VALID_PROMPT.replace("  ${snippets}\n", ""), "user"),
        (VALID_PROMPT.replace("Does the company", "Costs $ 5: does the company"), "system"),
        (VALID_PROMPT.replace("max_tokens: 100", "max_tokens: 5"), "output.max_tokens"),
        (VALID_PROMPT + "temperature: 1\n", "temperature"),
        (VALID_PROMPT.replace("version: 2", "version: [2]"), "version"),
    ],
)
def test_invalid_prompt_file_is_a_config_error_naming_file_and_key(
    tmp_path: Path, text: str, key: str
) -> None:
    path = _write(tmp_path, "p.yaml", text)
    with pytest.raises(ConfigError) as raised:
        load_prompt(path)
    assert f"{path}: {key}:" in str(raised.value)


def test_prompt_file_that_is_not_yaml_is_a_config_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.yaml", "name: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_prompt(path)


def test_prompt_hash_changes_when_the_file_changes(tmp_path: Path) -> None:
    path = shutil.copy(PROMPTS / "hq_city.yaml", tmp_path / "hq_city.yaml")
    before = load_prompt(Path(path)).sha256
    Path(path).write_text(Path(path).read_text(encoding="utf-8") + "# tweak\n", encoding="utf-8")
    assert load_prompt(Path(path)).sha256 != before


def test_enum_field_without_allowed_values_at_run_time_is_a_config_error() -> None:
    industry = builtin_smart_fields(PROMPTS)["industry"]
    company = fixture_company("brightlane")
    with FakeOpenAI() as server, pytest.raises(ConfigError, match="without allowed values"):
        research(llm_settings(server), [industry], company.pages, company.company)
    assert server.requests == []
