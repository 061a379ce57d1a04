"""Content files an admin meets: odd files in the content folder, hostile sizes, reloads off the event loop."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from faq.content import load_content
from tests.test_cli import eventbot

SAMPLE = Path(__file__).resolve().parent.parent / "bot" / "sample_content"

FAQ = """\
faq:
  - id: q1
    en:
      question: Where is the venue?
      answer: In Brussels.
"""


def folder_with_sample(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(SAMPLE, folder)
    return folder


def check_output(folder: Path, cwd: Path) -> tuple[int, str]:
    result = eventbot("faq", "check", str(folder), cwd=cwd)
    return result.returncode, result.stdout + result.stderr


# --- odd files in the content folder: reported with their path, never skipped silently ------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_in_the_content_folder_is_reported_and_never_opened(tmp_path):
    folder = folder_with_sample(tmp_path)
    fifo = folder / "extra.yaml"
    os.mkfifo(fifo)  # opening it for reading would block until someone writes
    code, out = check_output(folder, tmp_path)
    assert code == 1
    assert f"{fifo}:1: is a named pipe (FIFO), not a YAML file; it is not read" in out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_given_as_the_content_file_is_reported_and_never_opened(tmp_path):
    fifo = tmp_path / "faq.yaml"
    os.mkfifo(fifo)
    code, out = check_output(fifo, tmp_path)
    assert code == 1
    assert f"{fifo}:1: is a named pipe (FIFO), not a YAML file" in out


def test_a_dangling_symlink_is_reported_but_an_emacs_lock_file_is_not(tmp_path):
    folder = folder_with_sample(tmp_path)
    link = folder / "old-faq.yaml"
    link.symlink_to(tmp_path / "gone.yaml")
    (folder / ".#faq-ewrc.yaml").symlink_to("ada@laptop.1234:1700000000")  # Emacs while editing
    code, out = check_output(folder, tmp_path)
    assert code == 1
    assert f"{link}:1: is a symbolic link to '{tmp_path / 'gone.yaml'}', which does not exist" in out
    assert ".#faq-ewrc.yaml" not in out


def test_a_symlink_leaving_the_content_folder_is_reported_and_not_read(tmp_path):
    folder = folder_with_sample(tmp_path)
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(FAQ, encoding="utf-8")
    link = folder / "shared.yaml"
    link.symlink_to(outside)
    (folder / "parts").mkdir()
    (folder / "parts" / "more.txt").write_text(FAQ.replace("q1", "q2"), encoding="utf-8")
    (folder / "more.yaml").symlink_to(folder / "parts" / "more.txt")  # a link inside the folder is fine
    content, problems = load_content([folder])
    assert "q1" not in content.entries and "q2" in content.entries
    assert [str(p) for p in problems if p.file == str(link)] == [
        f"{link}:1: is a symbolic link leading out of the content folder (to {outside}); it is not read "
        "(copy the file into the folder instead)"]
    code, out = check_output(folder, tmp_path)
    assert code == 1 and f"{link}:1: is a symbolic link leading out of the content folder" in out


def test_a_folder_named_like_a_yaml_file_is_reported(tmp_path):
    folder = folder_with_sample(tmp_path)
    (folder / "x.yaml").mkdir()
    code, out = check_output(folder, tmp_path)
    assert code == 1
    assert f"{folder / 'x.yaml'}:1: is a folder, not a YAML file; it is not read" in out
