"""One typed Settings object, read from the environment and an optional `.env` file."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything prepbot reads from its environment.

    Secrets are `SecretStr`, so printing or logging the settings shows `**********`.
    """

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    data_dir: Path = Field(default=Path("data"), alias="PREPBOT_DATA_DIR")
    content_dir: Path = Field(default=PROJECT_ROOT / "content", alias="PREPBOT_CONTENT_DIR")
    discord_token: SecretStr | None = Field(default=None, alias="DISCORD_TOKEN")
    # Another Discord-compatible endpoint (tests, proxies): REST base such as
    # http://127.0.0.1:8080/api/v10 (no trailing slash) and the gateway websocket URL.
    discord_api_url: str | None = Field(default=None, alias="DISCORD_API_URL")
    discord_gateway_url: str | None = Field(default=None, alias="DISCORD_GATEWAY_URL")
    # Sharding: a count switches to the auto-sharded client; ids (e.g. "0,1") split the
    # shards between processes sharing one PostgreSQL database.
    discord_shard_count: int | None = Field(default=None, ge=1, alias="DISCORD_SHARD_COUNT")
    discord_shard_ids: str | None = Field(default=None, alias="DISCORD_SHARD_IDS")
    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_client_id: str | None = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(default=None, alias="SLACK_CLIENT_SECRET")
    # Another Slack Web API base URL (tests, proxies), e.g. http://127.0.0.1:8080/api/
    slack_api_url: str | None = Field(default=None, alias="SLACK_API_URL")
    slack_admin_user_ids: str | None = Field(default=None, alias="SLACK_ADMIN_USER_IDS")
    # HTTP mode's port for /slack/events (and GET / for health checks).
    port: int = Field(default=3000, ge=0, le=65535, alias="PORT")
    default_timezone: str = Field(default="UTC", alias="PREPBOT_TIMEZONE")
    log_level: str = Field(default="INFO", alias="PREPBOT_LOG_LEVEL")
    # A question of the day missed while the bot was down is posted late within this
    # many minutes of its time; after that it is skipped and logged.
    qotd_grace_minutes: int = Field(
        default=120, ge=0, le=24 * 60, alias="PREPBOT_QOTD_GRACE_MINUTES"
    )

    # The optional LLM judge for open answers: any OpenAI-compatible chat endpoint (base
    # URL such as https://api.openai.com/v1 or http://localhost:11434/v1). Active only with
    # both URL and model; the claims grader stands in whenever it fails or is slow.
    grader_url: str | None = Field(default=None, alias="PREPBOT_GRADER_URL")
    grader_model: str | None = Field(default=None, alias="PREPBOT_GRADER_MODEL")
    grader_api_key: SecretStr | None = Field(default=None, alias="PREPBOT_GRADER_API_KEY")
    grader_timeout: float = Field(default=10.0, gt=0, le=120, alias="PREPBOT_GRADER_TIMEOUT")

    @field_validator("grader_url", "grader_model", "grader_api_key", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `PREPBOT_GRADER_URL=` in a .env file means "no judge", not an empty URL.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("grader_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value.startswith(("http://", "https://")) or len(value) <= len("https://"):
            raise ValueError("PREPBOT_GRADER_URL must be an http:// or https:// URL")
        return value

    @property
    def judge_configured(self) -> bool:
        """The LLM judge grades open answers only when both its URL and model are set."""
        return bool(self.grader_url and self.grader_model)

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("log level must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return upper

    @property
    def resolved_database_url(self) -> str:
        """DATABASE_URL, normalised to an async driver; a SQLite file in the data dir by default."""
        url = self.database_url
        if not url:
            return f"sqlite+aiosqlite:///{(self.data_dir / 'prepbot.db').resolve()}"
        # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants an explicit driver.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
            return "sqlite+aiosqlite://" + url[len("sqlite://") :]
        return url

    @property
    def slack_configured(self) -> bool:
        """Slack runs in Socket Mode (app token), in HTTP mode (signing secret), or in
        multi-workspace HTTP mode (client id and secret with the signing secret)."""
        return bool(self.slack_app_token or self.slack_signing_secret)

    @property
    def platform(self) -> str:
        """What `prepbot run` starts: "chat" (Discord and/or Slack) or "console"."""
        if self.discord_token or self.slack_configured:
            return "chat"
        return "console"


def redact_url(url: str) -> str:
    """A database URL safe to print: the password replaced by ***."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL must still never leak
        return "<unparseable database url>"
