"""One frozen Settings object, built once at the edge (the CLI) from env, .env and leadscore.toml.

Precedence, highest first: explicit overrides (CLI flags) > environment > .env > leadscore.toml > defaults.
Every variable is documented in ``.env.example`` and the README's configuration table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from enrich.errors import ConfigError

_REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_prompts_dir() -> Path:
    """``prompts/`` beside the packages in a checkout, else the copy shipped inside the wheel."""
    checkout = _REPO_ROOT / "prompts"
    return checkout if checkout.is_dir() else Path(__file__).resolve().parent / "_prompts"


def default_examples_dir() -> Path:
    """``examples/`` beside the packages in a checkout, else the copy shipped inside the wheel."""
    checkout = _REPO_ROOT / "examples"
    return checkout if checkout.is_dir() else Path(__file__).resolve().parent / "_examples"


class Settings(BaseSettings):
    """Everything configurable. Frozen: build a new one instead of mutating."""

    model_config = SettingsConfigDict(
        env_prefix="LEADSCORE_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        toml_file="leadscore.toml",
        populate_by_name=True,
    )

    # --- store
    database_url: str = Field(default="sqlite:///leadscore.db", description="SQLAlchemy database URL")

    # --- LLM (OpenAI-compatible; the SDK's own variable names are honoured)
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "LEADSCORE_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "LEADSCORE_OPENAI_BASE_URL")
    )
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = 30.0
    llm_max_retries: int = 2
    llm_budget_tokens: int = 200_000
    llm_budget_usd: float = 2.0
    # USD per 1M tokens (input, output) by model name; unknown models are costed at 0 and reported.
    llm_prices: dict[str, tuple[float, float]] = Field(
        default_factory=lambda: {
            "gpt-4o-mini": (0.15, 0.60),
            "gpt-4o": (2.50, 10.0),
            "gpt-4.1-mini": (0.40, 1.60),
        }
    )

    # --- fetching
    user_agent: str = "leadscore-bot/0.1"
    contact_url: str = "https://github.com/leadscore/leadscore#crawler"
    fetch_timeout_s: float = 15.0
    fetch_max_bytes: int = 2 * 1024 * 1024
    fetch_max_redirects: int = 5
    fetch_max_pages: int = 6
    fetch_host_delay_s: float = 1.0
    fetch_cache_days: int = 30
    # curl-style connect-to map and loopback allow-list, for tests and the demo only (see README).
    fetch_connect_to: str = ""
    fetch_allow_addresses: str = ""

    # --- enrichment decisions
    accept_threshold: float = 0.85
    concurrency: int = 8

    # --- review web UI (`leadscore serve`); unset: a new key per server start, so sessions end with it
    web_secret_key: SecretStr | None = None

    # --- scoring
    ruleset: Path | None = None
    prompts_dir: Path = Field(default_factory=_default_prompts_dir)

    @field_validator("accept_threshold")
    @classmethod
    def _threshold_in_unit_interval(cls, value: float) -> float:
        if not 0.0 <= value <= 1.0:
            raise ValueError("must be between 0 and 1")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            TomlConfigSettingsSource(settings_cls),
            file_secret_settings,
        )


def load_settings(toml_file: Path | None = None, **overrides: Any) -> Settings:
    """Build Settings, turning validation problems into a ConfigError that names the variable.

    ``toml_file`` replaces the default ``./leadscore.toml``; ``overrides`` (CLI flags) win over everything.
    """
    clean = {key: value for key, value in overrides.items() if value is not None}
    settings_cls: type[Settings] = Settings
    if toml_file is not None:
        if not toml_file.is_file():
            raise ConfigError(f"config file not found: {toml_file}")
        config = SettingsConfigDict(**{**Settings.model_config, "toml_file": toml_file})
        settings_cls = type("Settings", (Settings,), {"model_config": config})
    try:
        return settings_cls(**clean)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(part) for part in err["loc"])
            lines.append(f"LEADSCORE_{name.upper()}: {err['msg']}")
        raise ConfigError(
            "invalid configuration:\n  " + "\n  ".join(lines),
            hint="check your environment, .env and leadscore.toml (see .env.example)",
        ) from exc
