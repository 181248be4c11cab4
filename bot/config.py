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
    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    default_timezone: str = Field(default="UTC", alias="PREPBOT_TIMEZONE")
    log_level: str = Field(default="INFO", alias="PREPBOT_LOG_LEVEL")
    # A question of the day missed while the bot was down is posted late within this
    # many minutes of its time; after that it is skipped and logged.
    qotd_grace_minutes: int = Field(
        default=120, ge=0, le=24 * 60, alias="PREPBOT_QOTD_GRACE_MINUTES"
    )

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
    def platform(self) -> str:
        """Which adapter `prepbot run` starts."""
        if self.discord_token:
            return "discord"
        if self.slack_bot_token:
            return "slack"
        return "console"


def redact_url(url: str) -> str:
    """A database URL safe to print: the password replaced by ***."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL must still never leak
        return "<unparseable database url>"
