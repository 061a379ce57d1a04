"""The composition root: config in, a wired bot out. Nothing else reads config or the environment."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from bot.config import Config
from bot.core import Bot
from bot.storage import TinyProfileStore
from faq.knowledge import Knowledge


def sample_content_path() -> Path:
    """The folder of the sample content shipped inside the package."""
    return Path(str(resources.files("bot").joinpath("sample_content")))


def content_paths(config: Config) -> list[Path]:
    """The content folder or file from the config, else the shipped sample content."""
    return [config.content.path or sample_content_path()]


def build_knowledge(config: Config, paths: list[Path] | None = None) -> Knowledge:
    """Load and index the content; raises ContentError when it has errors."""
    return Knowledge.load(paths or content_paths(config), config.matching.settings(),
                          config.default_language, config.content.max_file_bytes)


def build_bot(config: Config) -> tuple[Bot, TinyProfileStore]:
    """The core with its content and storage, ready for adapters."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    profiles = TinyProfileStore(config.data_dir)
    return Bot(build_knowledge(config), profiles, config.default_language), profiles
