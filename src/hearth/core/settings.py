"""The one settings object. Built at start-up by `load_settings()`, never at import time.

Sources, highest priority first: constructor arguments, `HEARTH_*` environment variables, the
`hearth.toml` file (path overridable with `HEARTH_CONFIG`), defaults. Unknown keys in the file are
rejected so a typo never silently falls back to a default.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from hearth.core.errors import ConfigurationError

MIN_SECRET_LENGTH = 32
_WEAK_SECRETS = {"secret", "changeme", "change-me", "password", "hearth", "dev", "development", "test"}
SECRET_FILE_NAME = "secret_key"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_", extra="forbid", validate_default=True)

    env: Literal["dev", "test", "production"] = "dev"
    data_dir: Path = Path(".hearth")
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: SecretStr | None = None
    auto_migrate: bool | None = Field(
        default=None, description="Apply migrations on start; defaults to on for SQLite, off otherwise."
    )

    # auth
    open_registration: bool = True
    access_token_ttl_s: int = Field(default=900, ge=30)
    refresh_token_ttl_s: int = Field(default=30 * 24 * 3600, ge=60)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_base_s: int = Field(default=30, ge=1)
    login_lockout_max_s: int = Field(default=900, ge=1)

    # rate limits (limits library syntax, e.g. "600/minute")
    rate_limit_per_principal: str = "600/minute"
    rate_limit_auth_per_ip: str = "30/minute"

    # request guards
    max_json_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_upload_request_bytes: int = Field(default=200 * 1_048_576, ge=1024)

    # background jobs
    queue: Literal["auto", "embedded", "redis"] = Field(
        default="auto", description="auto: Redis when HEARTH_REDIS_URL is set, else the database."
    )
    job_workers: int = Field(default=2, ge=0, le=64)
    job_poll_interval_s: float = Field(default=1.0, gt=0)
    job_lease_s: float = Field(default=30.0, ge=1)
    job_shutdown_grace_s: float = Field(default=20.0, ge=0)
    plugins: list[str] = Field(default_factory=list, description="Modules whose register(runtime) adds job kinds.")

    # agent tools
    http_fetch_allow_hosts: list[str] = Field(
        default_factory=list, description="Hosts (or host:port) http_fetch may reach even on private addresses.")
    http_fetch_max_bytes: int = Field(default=1_048_576, ge=1024)
    http_fetch_timeout_s: float = Field(default=15.0, gt=0)
    # agents
    agent_max_concurrent_runs: int = Field(default=8, ge=1, description="Agent runs working at once, all agents")
    agent_max_concurrent_runs_per_agent: int = Field(default=4, ge=1)
    agent_max_depth: int = Field(default=3, ge=1, le=10, description="Nesting of agents asking agents")
    agent_max_visits: int = Field(default=3, ge=1, le=20,
                                  description="Times one agent may take over or be asked within one run")
    agent_tool_output_chars: int = Field(default=8000, ge=256, description="Tool output longer than this is cut")
    agent_trace_chars: int = Field(default=4000, ge=256, description="Step inputs/outputs are stored up to this")
    agent_tool_cache_size: int = Field(default=1024, ge=0, description="Results of pure tools kept, per process")
    mcp_servers: list[dict[str, Any]] = Field(
        default_factory=list, description="MCP servers every agent may use, as JSON objects like an agent's")
    mcp_allow_hosts: list[str] = Field(
        default_factory=list, description="Hosts (or host:port) an agent's MCP server URL may use even if private.")
    mcp_idle_timeout_s: float = Field(default=300.0, gt=0, description="An unused MCP connection is closed")

    # workflows
    workflow_max_parallel_steps: int = Field(default=4, ge=1, le=64, description="Steps of one run working at once")
    workflow_map_max_items: int = Field(default=1000, ge=1, description="Items one map step may fan out over")
    workflow_max_output_bytes: int = Field(default=1_000_000, ge=1024, description="A step's output, as JSON")
    workflow_output_preview_chars: int = Field(default=2000, ge=100,
                                               description="Step outputs longer than this are cut in run views")

    # webhooks
    allow_private_webhooks: bool = False
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_max_attempts: int = Field(default=6, ge=1, le=20)
    webhook_backoff_base_s: float = Field(default=5.0, gt=0)

    # providers and stores (used by later features; names fixed by API.md)
    llm_provider: Literal["auto", "local", "ollama", "openai"] = "auto"
    ollama_url: str = "http://127.0.0.1:11434"
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    chat_model: str | None = Field(
        default=None, description="provider/model for chat when a request names none; by default Ollama's first "
        "model when HEARTH_LLM_PROVIDER=auto finds Ollama, else the bundled model.")
    embedding_model: str = "local/all-minilm-l6-v2"
    llm_timeout_s: float = Field(default=120.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0, le=10)
    llm_retry_base_s: float = Field(default=0.5, ge=0)
    llm_retry_max_wait_s: float = Field(default=10.0, ge=0)
    llm_breaker_threshold: int = Field(default=5, ge=1)
    llm_breaker_reset_s: float = Field(default=30.0, gt=0)
    llm_max_concurrency_per_model: int = Field(default=4, ge=1)
    models_dir: Path | None = Field(default=None, description="Where bundled model files are assembled; "
                                    "default <data_dir>/models.")
    local_llm_context: int = Field(default=4096, ge=256)
    local_llm_threads: int | None = Field(default=None, ge=1)
    local_llm_max_waiting: int = Field(default=16, ge=0)

    # chat
    chat_context_strategy: Literal["truncate_oldest", "summarize"] = "truncate_oldest"
    chat_reply_tokens: int = Field(default=512, ge=16, description="Tokens kept free for the reply.")
    chat_generate_titles: bool = True

    # knowledge base
    kb_chunk_target_tokens: int = Field(default=256, ge=32, le=2000, description="256 is the embedder's input limit.")
    kb_chunk_overlap_tokens: int = Field(default=30, ge=0, le=500)
    kb_max_file_bytes: int = Field(default=50 * 1_048_576, ge=1024)
    kb_fusion: Literal["convex", "rrf"] = "convex"
    kb_hybrid_alpha: float = Field(default=0.5, ge=0, le=1, description="Weight of dense scores in convex fusion.")
    kb_embed_headings: bool = Field(
        default=False, description="Embed each chunk with its heading path in front (keyword search always sees "
        "it). Off because headings eat into the embedder's 256-token input and push out the chunk's end.")
    kb_ask_min_similarity: float = Field(
        default=0.3, ge=-1, le=1, description="/kb/ask answers 'not in the knowledge base' when no chunk's cosine "
        "similarity to the question reaches this (all-MiniLM-L6-v2: unrelated text scores below ~0.2).")
    kb_ask_reply_tokens: int = Field(default=384, ge=16)

    vector_store: Literal["embedded", "qdrant"] = "embedded"
    qdrant_url: str | None = None

    # logging
    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str | None) -> str | None:
        if url is None or not url.strip():
            return None
        for plain, driver in (
            ("postgres://", "postgresql+asyncpg://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if url.startswith(plain):
                return driver + url[len(plain) :]
        return url

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("HEARTH_CONFIG", "hearth.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_path))

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'hearth.db').resolve()}"

    @property
    def model_files_dir(self) -> Path:
        return self.models_dir or self.data_dir / "models"

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")

    @property
    def should_auto_migrate(self) -> bool:
        return self.is_sqlite if self.auto_migrate is None else self.auto_migrate

    @property
    def queue_backend(self) -> Literal["embedded", "redis"]:
        if self.queue == "auto":
            return "redis" if self.redis_url else "embedded"
        return self.queue

    @property
    def secret(self) -> str:
        if self.secret_key is None:
            raise ConfigurationError("secret key not resolved; build settings with load_settings()")
        return self.secret_key.get_secret_value()


def load_settings(**overrides: object) -> Settings:
    """Build, validate and complete the settings: the only entry point the app and CLI use."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ConfigurationError(f"invalid configuration: {exc}") from exc
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.secret_key = SecretStr(_resolve_secret(settings))
    return settings


def _resolve_secret(settings: Settings) -> str:
    given = settings.secret_key.get_secret_value() if settings.secret_key else None
    if settings.env == "production":
        if not given:
            raise ConfigurationError(
                "HEARTH_SECRET_KEY is required when HEARTH_ENV=production; "
                f"generate one with: python -c 'import secrets; print(secrets.token_urlsafe({MIN_SECRET_LENGTH}))'"
            )
        if is_weak_secret(given):
            raise ConfigurationError(
                f"HEARTH_SECRET_KEY is too weak for production: use at least {MIN_SECRET_LENGTH} random characters"
            )
        return given
    if given:
        return given
    return _read_or_create_secret_file(settings.data_dir / SECRET_FILE_NAME)


def is_weak_secret(secret: str) -> bool:
    return len(secret) < MIN_SECRET_LENGTH or secret.lower() in _WEAK_SECRETS or len(set(secret)) < 8


def _read_or_create_secret_file(path: Path) -> str:
    if path.exists():
        existing = path.read_text().strip()
        if existing:
            return existing
    generated = secrets.token_urlsafe(48)
    # O_EXCL so two processes starting together agree on one secret.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(generated)
    return generated
