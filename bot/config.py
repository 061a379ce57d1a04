"""The bot's configuration: one YAML file, validated with the key path of every problem.

Secrets never live here: they come from environment variables, read only by the
composition root (bot/app.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Iterable, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from bot.roles import ALL_EVENTS
from faq.content_suggest import closest
from faq.matcher import MatchSettings
from faq.semantic import INSTALL_HINT, SemanticSettings
from faq.semantic import available as semantic_available
from faq.normalize import LANGUAGES
from faq.yamlsafe import LineDict, LineList, YamlError, load_file

CONFIG_ENV = "EVENTBOT_CONFIG"
DEFAULT_CONFIG_NAMES = ("eventbot.yaml", "eventbot.yml")

Language = Literal["en", "nl", "no", "ja"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContentConfig(_Section):
    path: Path | None = None
    max_file_bytes: int = Field(5 * 1024 * 1024, gt=0, strict=True)


class Weights(_Section):
    word: float = Field(MatchSettings.word_weight, ge=0, strict=True)
    char: float = Field(MatchSettings.char_weight, ge=0, strict=True)
    token: float = Field(MatchSettings.token_weight, ge=0, strict=True)


class SemanticConfig(_Section):
    """Hybrid matching with a multilingual sentence-embedding model (the `semantic` extra)."""

    enabled: bool = False
    weight: float = Field(SemanticSettings.weight, ge=0, le=1, strict=True)
    other_language_weight: float = Field(SemanticSettings.other_language_weight, ge=0, le=1, strict=True)
    floor: float = Field(SemanticSettings.floor, ge=0, lt=1, strict=True)
    centroid: float = Field(SemanticSettings.centroid, ge=0, le=1, strict=True)
    answer_threshold: float = Field(SemanticSettings.answer_threshold, ge=0, strict=True)
    suggest_threshold: float = Field(SemanticSettings.suggest_threshold, ge=0, strict=True)
    margin_weight: float = Field(SemanticSettings.margin_weight, ge=0, strict=True)
    min_margin: float = Field(SemanticSettings.min_margin, ge=0, strict=True)
    candidates: int = Field(SemanticSettings.candidates, ge=1, le=1000, strict=True)
    max_query_tokens: int = Field(SemanticSettings.max_query_tokens, ge=8, le=512, strict=True)
    threads: int = Field(SemanticSettings.threads, ge=1, le=64, strict=True)
    question_word_weight: float = Field(SemanticSettings.question_word_weight, ge=0, le=1, strict=True)
    cache_dir: Path | None = None  # default: <data_dir>/embeddings

    @model_validator(mode="after")
    def _valid(self) -> "SemanticConfig":
        if self.suggest_threshold > self.answer_threshold:
            raise ValueError("suggest_threshold must not be above answer_threshold")
        if self.enabled and not semantic_available():
            raise ValueError(f"semantic matching is enabled but its extra is not installed: {INSTALL_HINT}"
                             " (or set matching.semantic.enabled: false)")
        return self

    def settings(self) -> SemanticSettings:
        """The matcher's semantic settings."""
        return SemanticSettings(
            enabled=self.enabled, weight=self.weight, other_language_weight=self.other_language_weight,
            floor=self.floor, centroid=self.centroid,
            answer_threshold=self.answer_threshold,
            suggest_threshold=self.suggest_threshold, margin_weight=self.margin_weight, min_margin=self.min_margin,
            candidates=self.candidates, max_query_tokens=self.max_query_tokens, threads=self.threads,
            question_word_weight=self.question_word_weight, cache_dir=self.cache_dir,
        )


class MatchingConfig(_Section):
    answer_threshold: float = Field(MatchSettings.answer_threshold, ge=0, strict=True)
    suggest_threshold: float = Field(MatchSettings.suggest_threshold, ge=0, strict=True)
    margin_weight: float = Field(MatchSettings.margin_weight, ge=0, strict=True)
    min_margin: float = Field(MatchSettings.min_margin, ge=0, strict=True)
    weights: Weights = Weights()
    candidates: int = Field(MatchSettings.candidates, ge=1, le=1000, strict=True)
    question_word_weight: float = Field(MatchSettings.question_word_weight, ge=0, le=1, strict=True)
    semantic: SemanticConfig = SemanticConfig()

    @model_validator(mode="after")
    def _ordered(self) -> "MatchingConfig":
        if self.suggest_threshold > self.answer_threshold:
            raise ValueError("suggest_threshold must not be above answer_threshold")
        return self

    def settings(self) -> MatchSettings:
        """The matcher's settings."""
        return MatchSettings(
            answer_threshold=self.answer_threshold, suggest_threshold=self.suggest_threshold,
            margin_weight=self.margin_weight, min_margin=self.min_margin, word_weight=self.weights.word,
            char_weight=self.weights.char, token_weight=self.weights.token, candidates=self.candidates,
            question_word_weight=self.question_word_weight, semantic=self.semantic.settings(),
        )


class LoggingConfig(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


_USER_KEY = r"^[a-z][a-z0-9_-]*:\S+$"
_EVENT_OR_ALL = r"^(\*|[a-z0-9][a-z0-9-]{0,63})$"
PLATFORMS = ("telegram", "slack", "console")


def _known_platform(user_key: str) -> str:
    platform = user_key.split(":", 1)[0]
    if platform not in PLATFORMS:
        guess = closest(platform, PLATFORMS)
        hint = f"did you mean {guess!r}?" if guess else f"known: {', '.join(PLATFORMS)}"
        raise ValueError(f"unknown platform {platform!r} ({hint})")
    return user_key


UserKey = Annotated[str, StringConstraints(pattern=_USER_KEY), AfterValidator(_known_platform)]


class RolesConfig(_Section):
    """Who may do more than ask: people named as "platform:user id" (e.g. telegram:12345)."""

    admins: list[UserKey] = []
    # event id (or "*" for every event) -> organisers of that event
    organisers: dict[Annotated[str, StringConstraints(pattern=_EVENT_OR_ALL)], list[UserKey]] = {}
    # event id (or "*") -> the organisers' chat that /ask forwards questions to ("telegram:-100123", "slack:C0123")
    organiser_chats: dict[Annotated[str, StringConstraints(pattern=_EVENT_OR_ALL)], UserKey] = {}


class TelegramWebhookConfig(_Section):
    listen: str = "127.0.0.1"
    port: int = Field(8443, gt=0, lt=65536, strict=True)
    path: str = "/telegram"
    url: str | None = None  # the public https address Telegram posts to


class TelegramConfig(_Section):
    enabled: bool = True  # started by `eventbot run` when the token variable is set
    token_env: str = "TELEGRAM_BOT_TOKEN"
    webhook_secret_env: str = "TELEGRAM_WEBHOOK_SECRET"
    base_url: str | None = None  # another Bot API server, e.g. http://127.0.0.1:8081/bot
    base_file_url: str | None = None
    mode: Literal["polling", "webhook"] = "polling"
    poll_interval: float = Field(0.0, ge=0)
    poll_timeout: int = Field(10, ge=0, le=60, strict=True)
    webhook: TelegramWebhookConfig = TelegramWebhookConfig()

    @model_validator(mode="after")
    def _webhook_url(self) -> "TelegramConfig":
        if self.mode == "webhook" and not self.webhook.url:
            raise ValueError("webhook mode needs webhook.url (the public https address)")
        return self


class SlackHttpConfig(_Section):
    listen: str = "127.0.0.1"
    port: int = Field(3000, gt=0, lt=65536, strict=True)
    path: str = "/slack/events"


class SlackConfig(_Section):
    enabled: bool = True  # started by `eventbot run` when the bot token variable is set
    bot_token_env: str = "SLACK_BOT_TOKEN"
    app_token_env: str = "SLACK_APP_TOKEN"
    signing_secret_env: str = "SLACK_SIGNING_SECRET"
    base_url: str | None = None  # another Web API address, e.g. a proxy
    mode: Literal["socket", "http"] = "socket"
    http: SlackHttpConfig = SlackHttpConfig()
    slash_command: Annotated[str, StringConstraints(pattern=r"^/[a-z0-9_-]{1,31}$")] = "/eventbot"
    # pace of the messages the bot starts itself (broadcasts, reminders, promotions): Slack's
    # workspace-wide limit is unpublished ("several hundred per minute"); 4.7 is 94% of 300
    messages_per_second: float = Field(4.7, gt=0, le=100)


class Config(_Section):
    default_language: Language = "en"
    data_dir: Path = Path("eventbot-data")
    content: ContentConfig = ContentConfig()
    matching: MatchingConfig = MatchingConfig()
    logging: LoggingConfig = LoggingConfig()
    roles: RolesConfig = RolesConfig()
    telegram: TelegramConfig = TelegramConfig()
    slack: SlackConfig = SlackConfig()


class ConfigError(Exception):
    """A config file the bot refuses to start with; the message lists every problem."""


def _line(data: Any, loc: tuple[Any, ...]) -> int | None:
    line = getattr(data, "line", None)
    for key in loc:
        if isinstance(data, LineDict) and str(key) in data:
            line = data.line_of(str(key))
            data = data[str(key)]
        elif isinstance(data, LineList) and isinstance(key, int) and 0 <= key < len(data):
            line = data.item_lines[key]
            data = data[key]
        else:
            break
    return line


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The config section (model) at the key path loc."""
    model: type[BaseModel] = Config
    for key in loc:
        field = model.model_fields.get(str(key))
        if field is None or not (isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)):
            return None
        model = field.annotation
    return model


# secrets people put in the file, by section and key -> the setting naming their environment variable
_SECRETS = {
    "telegram": {"token": "token_env", "bot_token": "token_env", "webhook_secret": "webhook_secret_env",
                 "secret_token": "webhook_secret_env"},
    "slack": {"token": "bot_token_env", "bot_token": "bot_token_env", "app_token": "app_token_env",
              "signing_secret": "signing_secret_env", "secret": "signing_secret_env"},
}


def _unknown_key(data: Any, loc: tuple[Any, ...]) -> str:
    """Why a key does not belong: a secret that belongs in the environment, or a typo."""
    *parents, key = (str(p) for p in loc)
    model = _model_at(tuple(parents))
    setting = _SECRETS.get(".".join(parents), {}).get(key)
    if model is not None and (setting or f"{key}_env" in model.model_fields):
        setting = setting or f"{key}_env"
        section = data
        for part in parents:
            section = section.get(part) if isinstance(section, dict) else None
        variable = section.get(setting) if isinstance(section, dict) else None
        if not isinstance(variable, str):
            variable = model.model_fields[setting].default
        return f"tokens come from environment variables ({variable}): set {variable} and remove this key from the file"
    guess = closest(key, [f for f in model.model_fields if f not in (data or {})]) if model else None
    return f"unknown key (did you mean {guess!r}?)" if guess else "unknown key"


def _message(err: Any, data: Any) -> str:
    pattern = err.get("ctx", {}).get("pattern")
    if err["type"] == "extra_forbidden":
        return _unknown_key(data, tuple(err["loc"]))
    if err["type"] == "string_pattern_mismatch" and pattern == _USER_KEY:
        return "must be platform:id, e.g. telegram:123456789 or slack:U0123ABCD"
    if err["type"] == "string_pattern_mismatch" and pattern == _EVENT_OR_ALL:
        return "must be an event id or \"*\" for every event"
    return err["msg"].removeprefix("Value error, ")


def parse_config(data: Any, source: str = "config") -> Config:
    """Validate plain data as a Config; raise ConfigError naming every bad key path."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the config must be a mapping of keys to values")
    try:
        return Config.model_validate(dict(data))
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            path = ".".join(str(p) for p in err["loc"]) or "(top level)"
            line = _line(data, tuple(err["loc"]))
            where = f"{source}:{line}" if line else source
            lines.append(f"{where}: {path}: {_message(err, data)}")
        raise ConfigError("\n".join(lines)) from None


def check_roles(config: Config, event_ids: Iterable[str], path: Path | None = None) -> list[str]:
    """Problems with the events the config's roles name, given the loaded content's event ids.

    One `file:line: roles.organisers.<id>: unknown event ...` line per unknown event id
    ("*", every event, is always fine); an empty list when all are known. path is the
    config file the config was loaded from (find_config's answer), for the lines.
    """
    known = list(event_ids)
    source, data = str(path or "config"), None
    if path is not None:
        try:
            data = load_file(path)
        except YamlError:  # read fine a moment ago; without lines the messages still name the key
            data = None
    problems = []
    for section in ("organisers", "organiser_chats"):
        for event_id in getattr(config.roles, section):
            if event_id == ALL_EVENTS or event_id in known:
                continue
            guess = closest(event_id, known)
            hint = f"did you mean {guess!r}?" if guess else f"known: {', '.join(known) or 'none'}, or \"*\" for every event"
            line = _line(data, ("roles", section, event_id)) if data is not None else None
            where = f"{source}:{line}" if line else source
            problems.append(f"{where}: roles.{section}.{event_id}: unknown event {event_id!r} ({hint})")
    return problems


def find_config(explicit: Path | None) -> Path | None:
    """The config file to use: --config, then $EVENTBOT_CONFIG, then ./eventbot.yaml, else none."""
    if explicit is not None:
        return explicit
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    for name in DEFAULT_CONFIG_NAMES:
        if Path(name).is_file():
            return Path(name)
    return None


def load_config(path: Path | None) -> Config:
    """Load and validate the config file, or the defaults when there is none."""
    if path is None:
        return Config()
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = load_file(path)
    except YamlError as exc:
        raise ConfigError(str(exc.problem)) from None
    config = parse_config(data, str(path))
    base = path.resolve().parent
    # relative paths in the config are relative to the config file
    updates: dict[str, Any] = {}
    if not config.data_dir.is_absolute() and "data_dir" in (data or {}):
        updates["data_dir"] = base / config.data_dir
    if config.content.path is not None and not config.content.path.is_absolute():
        updates["content"] = config.content.model_copy(update={"path": base / config.content.path})
    semantic = config.matching.semantic
    if semantic.enabled:  # the embedding cache: <data_dir>/embeddings unless set
        cache_dir = semantic.cache_dir
        if cache_dir is None:
            cache_dir = updates.get("data_dir", config.data_dir) / "embeddings"
        elif not cache_dir.is_absolute():
            cache_dir = base / cache_dir
        updates["matching"] = config.matching.model_copy(
            update={"semantic": semantic.model_copy(update={"cache_dir": cache_dir})})
    return config.model_copy(update=updates) if updates else config


assert set(Language.__args__) == set(LANGUAGES)  # type: ignore[attr-defined]
