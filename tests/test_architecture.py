"""The core stays platform-free: bot/ and faq/ never import a platform library or the adapters."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"telegram", "slack_bolt", "slack_sdk", "adapters", "aiohttp"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


CORE_FILES = sorted(p for package in ("bot", "faq") for p in (ROOT / package).rglob("*.py"))
ALLOWED: dict[Path, set[str]] = {}  # no exceptions: the CLI finds adapters through entry points


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_imports_no_platform_library(path):
    bad = (imported_modules(path) & FORBIDDEN) - ALLOWED.get(path, set())
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_check_sees_imports():
    sample = ROOT / "adapters" / "console.py"
    assert "bot" in imported_modules(sample)
