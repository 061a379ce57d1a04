"""Content files an admin meets: odd files in the content folder, hostile sizes, reloads off the event loop."""

from __future__ import annotations

import os
import random
import resource
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest

from faq.content import load_content
from tests.test_cli import eventbot

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "bot" / "sample_content"

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


# --- near-duplicate phrasings: the same pairs as comparing all of them, in bounded memory ----


def all_pairs(texts: list[str], ratio: float) -> list[tuple[int, int]]:
    """The reference: every pair compared (what faq check did before)."""
    from rapidfuzz import fuzz
    return [(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))
            if fuzz.ratio(texts[i], texts[j], score_cutoff=ratio)]


def planted_near_duplicates(count: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    words = ["".join(rnd.choice(string.ascii_lowercase[:8]) for _ in range(rnd.randint(1, 6))) for _ in range(300)]
    texts = ["", "", "a", "ab", "abc", "abd"]
    for _ in range(count):
        text = " ".join(sorted(rnd.choice(words) for _ in range(rnd.randint(0, 12))))
        texts.append(text)
        for _ in range(rnd.randint(0, 2)):  # near-duplicates: a few characters inserted or deleted
            chars = list(text)
            for _ in range(rnd.randint(0, 3)):
                if chars and rnd.random() < 0.5:
                    del chars[rnd.randrange(len(chars))]
                else:
                    chars.insert(rnd.randrange(len(chars) + 1), rnd.choice("abcdefgh "))
            texts.append("".join(chars))
    return texts


@pytest.mark.parametrize("ratio", [95.0, 90.0, 80.0])
def test_near_duplicate_search_finds_exactly_the_pairs_of_comparing_all_pairs(ratio):
    from faq.near_duplicates import similar_pairs
    texts = planted_near_duplicates(600, seed=int(ratio))
    expected = all_pairs(texts, ratio)
    assert len(expected) > 100  # the planted near-duplicates are there
    assert similar_pairs(texts, ratio) == expected


def test_faq_check_of_a_big_file_runs_in_bounded_memory(tmp_path):
    # 15,000 entries with a phrasing each: comparing all 30,000 phrasings pairwise needs a
    # 900 MB matrix, and died with a MemoryError traceback under this 1 GiB limit
    rnd = random.Random(3)
    lines = ["faq:"]
    for i in range(15_000):
        words = " ".join("".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(3, 9)))
                         for _ in range(rnd.randint(2, 5)))
        lines += [f"  - id: q{i}", "    en:", f"      question: Can I bring my {words}?",
                  f"      phrasings: [Is bringing {words} allowed?]", f"      answer: Ask desk {i % 50}."]
    lines += ["  - id: dup", "    en:", f"      question: Can I bring my {words}s?", "      answer: Yes."]
    (tmp_path / "faq.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "EVENTBOT_CONFIG"}
    env["PYTHONPATH"] = str(REPO)
    limit = 1024 ** 3
    result = subprocess.run(
        [sys.executable, "-m", "bot", "faq", "check", str(tmp_path / "faq.yaml")], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=300,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)))
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-2000:]
    assert "FAQ entries q14999 and dup have near-identical en phrasings" in result.stdout


# --- hostile sizes within the size limit ----------------------------------------------------


def test_a_4_mb_one_line_flow_list_is_refused_in_little_memory(tmp_path):
    # ~600,000 values on one line, under the 5 MB size limit; composing it took 660 MB
    path = tmp_path / "flow.yaml"
    path.write_text("faq: [" + ", ".join(str(i) for i in range(600_000)) + "]\n", encoding="utf-8")
    assert path.stat().st_size < 5 * 1024 * 1024
    env = {k: v for k, v in os.environ.items() if k != "EVENTBOT_CONFIG"}
    env["PYTHONPATH"] = str(REPO)
    limit = 300 * 1024 ** 2
    result = subprocess.run(
        [sys.executable, "-m", "bot", "faq", "check", str(path)], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=300,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)))
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-2000:]
    assert result.returncode == 1
    assert f"{path}:1: too many values (more than 500000); refusing to load it" in result.stdout


# --- parsing a reload in another process -----------------------------------------------------


def test_content_parsed_in_another_process_is_the_same_with_the_same_problems(tmp_path):
    from faq.content_process import load_content_in_subprocess, load_or_raise_in_subprocess
    from faq.content import ContentError
    folder = folder_with_sample(tmp_path)
    assert load_content_in_subprocess([folder]) == load_content([folder], check_duplicates=False)
    (folder / "broken.yaml").write_text("faq:\n  - id: broken\n    en: [unclosed\n", encoding="utf-8")
    content, problems = load_content_in_subprocess([folder])
    assert (content, problems) == load_content([folder], check_duplicates=False)
    assert [p.file for p in problems] == [str(folder / "broken.yaml")]
    with pytest.raises(ContentError) as info:
        load_or_raise_in_subprocess([folder])
    assert str(info.value).startswith(f"{folder / 'broken.yaml'}:")
