"""Which files of a content folder are read, and what is wrong with the ones that cannot be.

Every `*.yaml` / `*.yml` name in the folder is either read or reported as a
problem naming its path: a named pipe (FIFO), device or socket (never opened, so
a FIFO cannot block the bot), a folder named like a YAML file, a symbolic link
whose target does not exist, and a symbolic link leading out of the content
folder. Emacs lock files (`.#name.yaml`, dangling links by design) are ignored.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterable

from faq.yamlsafe import Problem

SUFFIXES = (".yaml", ".yml")


def _kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def file_problem(path: Path, root: Path | None = None) -> str | None:
    """Why path cannot be read as a content file (None: it can); never opens it.

    With root (the content folder), a symbolic link must stay inside it.
    """
    if os.path.islink(path):
        target = os.path.realpath(path)
        if not os.path.exists(target):
            return f"is a symbolic link to {os.readlink(path)!r}, which does not exist; it is not read"
        if root is not None and not _inside(target, os.path.realpath(root)):
            return (f"is a symbolic link leading out of the content folder (to {target}); it is not read "
                    "(copy the file into the folder instead)")
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return f"cannot read file: {exc.strerror}"
    if not stat.S_ISREG(mode):
        return f"is {_kind(mode)}, not a YAML file; it is not read"
    return None


def content_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """The YAML files to read under paths (folders or files), and a problem for each that cannot be read."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if os.path.isdir(path):
            try:
                names = sorted(os.listdir(path))
            except OSError as exc:
                problems.append(Problem(str(path), 1, f"cannot read folder: {exc.strerror}"))
                continue
            for name in names:
                if Path(name).suffix not in SUFFIXES or name.startswith(".#"):
                    continue
                candidate = path / name
                problem = file_problem(candidate, path)
                if problem:
                    problems.append(Problem(str(candidate), 1, problem))
                else:
                    files.append(candidate)
        elif os.path.lexists(path) and (problem := file_problem(path)):
            problems.append(Problem(str(path), 1, problem))
        else:
            files.append(path)  # a missing file is reported when it is read, as before
    return files, problems
