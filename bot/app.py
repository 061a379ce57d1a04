"""The composition root: config in, a wired bot out. Nothing else reads config or the environment."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Callable

from bot.config import Config, ConfigError, check_roles
from bot.core import Bot
from bot.roles import Roles
from bot.storage import TinyStore
from faq.content_process import load_or_raise_in_subprocess
from faq.knowledge import Knowledge


def sample_content_path() -> Path:
    """The folder of the sample content shipped inside the package."""
    return Path(str(resources.files("bot").joinpath("sample_content")))


def content_paths(config: Config) -> list[Path]:
    """The content folder or file from the config, else the shipped sample content."""
    return [config.content.path or sample_content_path()]


def build_knowledge(config: Config, paths: list[Path] | None = None, previous: Knowledge | None = None) -> Knowledge:
    """Load and index the content; raises ContentError when it has errors.

    With `previous` (a reload, while the bot answers), the files are parsed in another
    process, so parsing never holds the bot's event loop, and unchanged phrasings reuse
    the previous analysis.
    """
    paths = paths or content_paths(config)
    if previous is None:
        return Knowledge.load(paths, config.matching.settings(), config.default_language,
                              config.content.max_file_bytes)
    content = load_or_raise_in_subprocess(paths, config.content.max_file_bytes)
    return Knowledge(content, config.matching.settings(), config.default_language, previous=previous)


def build_roles(config: Config) -> Roles:
    """Admins and organisers from the config."""
    return Roles.from_lists(config.roles.admins, config.roles.organisers, config.roles.organiser_chats)


def build_bot(config: Config, clock: Callable[[], dt.datetime] | None = None,
              accept_data_loss: bool = False, config_path: Path | None = None) -> tuple[Bot, TinyStore]:
    """The core with its content and storage, ready for adapters.

    The content is loaded before the data folder is locked, so bad content fails
    without touching the data. Raises ContentError, ConfigError (roles naming unknown
    events; `config_path` gives their lines) or StorageError (a damaged data
    folder is refused unless `accept_data_loss`, which logs what is lost).
    """
    knowledge = build_knowledge(config)
    problems = check_roles(config, knowledge.content.events, config_path)
    if problems:  # a role naming an event the content does not have: refuse, as for any config error
        raise ConfigError("\n".join(problems))
    store = TinyStore(config.data_dir, accept_data_loss=accept_data_loss)
    bot = Bot(knowledge, store, config.default_language, build_roles(config), clock,
              loader=lambda previous: build_knowledge(config, previous=previous))
    return bot, store
