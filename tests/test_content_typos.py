"""`faq check` on typical admin mistakes: one clear message per mistake, with the fix it most likely needs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from faq.content import load_content
from faq.yamlsafe import Problem


def write(folder: Path, text: str, name: str = "content.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def lines(folder: Path) -> list[str]:
    """Every problem as `line: [warning: ]message`, in order."""
    _, problems = load_content([folder])
    return [str(p).split(":", 1)[1] for p in sorted(problems, key=lambda p: (p.line, p.message))]


EVENT = """
events:
  - id: ewrc
    names: {en: EWRC}
    timezone: Europe/Brussels
"""


# --- one typo, one message -------------------------------------------------------------------


def test_a_misspelt_question_is_one_error_naming_the_right_key(tmp_path):
    write(tmp_path, """
        faq:
          - id: q1
            en:
              qestion: When does it start?
              answer: In October.
    """)
    assert lines(tmp_path) == ["4: unknown key 'qestion' in FAQ entry q1 (en) (did you mean 'question'?)"]


def test_a_misspelt_answer_is_one_error(tmp_path):
    write(tmp_path, """
        faq:
          - id: q1
            en:
              question: When does it start?
              answers: In October.
    """)
    assert lines(tmp_path) == ["5: unknown key 'answers' in FAQ entry q1 (en) (did you mean 'answer'?)"]


@pytest.mark.parametrize("typo, key", [("nmes", "names"), ("timzone", "timezone"), ("di", "id")])
def test_a_misspelt_required_event_key_is_one_error(tmp_path, typo, key):
    text = {"id": "ewrc", "names": "{en: EWRC}", "timezone": "Europe/Brussels"}
    body = "\n".join(f"    {typo if k == key else k}: {v}" for k, v in text.items())
    write(tmp_path, "events:\n  - " + body.lstrip())
    [problem] = lines(tmp_path)
    assert f"unknown key {typo!r} in event (did you mean {key!r}?)" in problem


def test_a_misspelt_language_block_is_one_error(tmp_path):
    write(tmp_path, """
        faq:
          - id: q1
            eng:
              question: When?
              answer: In October.
    """)
    assert lines(tmp_path) == ["3: FAQ entry q1: unknown language code 'eng' (did you mean 'en'?)"]


@pytest.mark.parametrize("code, meant", [("jp", "ja"), ("nb", "no"), ("NL", "nl"), ("en-GB", "en")])
def test_language_codes_people_write_are_named(tmp_path, code, meant):
    write(tmp_path, f"""
        events:
          - id: ewrc
            names: {{en: EWRC, {code}: EWRC}}
            timezone: Europe/Brussels
    """)
    assert lines(tmp_path) == [f"3: event ewrc: 'names': unknown language code {code!r} (did you mean {meant!r}?)"]


def test_a_misspelt_entry_key_is_one_error(tmp_path):
    write(tmp_path, EVENT + """faq:
  - id: q1
    evnt: ewrc
    en: {question: When?, answer: In October.}
""")
    assert lines(tmp_path) == ["7: FAQ entry q1: unknown key or language code 'evnt' (did you mean 'event'?)"]


def test_an_unknown_key_like_nothing_known_lists_what_is_known(tmp_path):
    write(tmp_path, """
        faq:
          - id: q1
            category: about
            en: {question: When?, answer: In October.}
    """)
    assert lines(tmp_path) == ["3: FAQ entry q1: unknown key or language code 'category' "
                               "(known: id, event, tags, en, nl, no, ja)"]


def test_a_misspelt_event_id(tmp_path):
    write(tmp_path, EVENT + """faq:
  - id: q1
    event: ewcr
    en: {question: When?, answer: In October.}
""")
    assert lines(tmp_path) == ["7: FAQ entry q1: unknown event 'ewcr' (did you mean 'ewrc'?)"]


@pytest.mark.parametrize("written, meant", [
    ("Europe/Amsterdm", "Europe/Amsterdam"), ("europe/amsterdam", "Europe/Amsterdam"),
    ("Amsterdam", "Europe/Amsterdam"), ("Europe/Tokyo", "Asia/Tokyo"), ("Asia/Tokio", "Asia/Tokyo"),
])
def test_a_misspelt_time_zone(tmp_path, written, meant):
    write(tmp_path, f"""
        events:
          - id: ewrc
            names: {{en: EWRC}}
            timezone: {written}
    """)
    assert lines(tmp_path) == [f"4: event ewrc: unknown time zone {written!r} (did you mean {meant!r}?)"]


def test_a_time_zone_like_nothing_known_says_what_to_write(tmp_path):
    write(tmp_path, """
        events:
          - id: ewrc
            names: {en: EWRC}
            timezone: Mars/Base
    """)
    assert lines(tmp_path) == ["4: event ewrc: unknown time zone 'Mars/Base' (use an IANA name such as Europe/Brussels)"]


def test_a_misspelt_form_field_type_and_label(tmp_path):
    write(tmp_path, """
        events:
          - id: ewrc
            names: {en: EWRC}
            timezone: Europe/Brussels
            signup:
              form:
                - id: theme
                  type: choise
                  lable: {en: Theme}
                  options:
                    - {id: a, label: {en: A}}
    """)
    assert lines(tmp_path) == [
        "8: event ewrc signup field theme: unknown type 'choise' (did you mean 'choice'?)",
        "9: unknown key 'lable' in event ewrc signup field (did you mean 'label'?)",
    ]


def test_a_misspelt_top_level_section(tmp_path):
    write(tmp_path, """
        fqa:
          - id: q1
            en: {question: When?, answer: In October.}
    """)
    assert lines(tmp_path) == ["1: unknown key 'fqa' in the file (did you mean 'faq'?)"]


# --- answers not written yet -----------------------------------------------------------------


@pytest.mark.parametrize("answer", ["TODO", "todo: ask Kees", "TBD", "FIXME", "xxx", "The price is ???."])
def test_a_placeholder_answer_is_a_warning(tmp_path, answer):
    write(tmp_path, f"""
        faq:
          - id: q1
            nl:
              question: Wat kost het?
              answer: "{answer}"
    """)
    [problem] = load_content([tmp_path])[1]
    assert (problem.line, problem.severity) == (5, "warning")
    assert "the answer still reads" in problem.message


@pytest.mark.parametrize("answer", ["Todos los días", "Photos of the XXXL stand", "See the website."])
def test_words_that_merely_contain_a_placeholder_are_fine(tmp_path, answer):
    write(tmp_path, f"""
        faq:
          - id: q1
            en: {{question: What?, answer: "{answer}"}}
    """)
    assert load_content([tmp_path])[1] == []


def test_placeholder_warning_fails_check_only_when_strict(tmp_path):
    write(tmp_path, "faq:\n  - id: q1\n    en: {question: What?, answer: TODO}\n")
    run = [sys.executable, "-m", "bot", "faq", "check", str(tmp_path)]
    plain = subprocess.run(run, capture_output=True, text=True)
    strict = subprocess.run([*run, "--strict"], capture_output=True, text=True)
    assert plain.returncode == 0 and strict.returncode != 0
    assert "content.yaml:3: warning: FAQ entry q1 (en): the answer still reads 'TODO'" in plain.stdout + plain.stderr


# --- YAML syntax errors with a hint ----------------------------------------------------------


def syntax_error(folder: Path, text: str) -> Problem:
    write(folder, text)
    [problem] = load_content([folder])[1]
    assert problem.message.startswith("YAML syntax error: ")
    return problem


def test_text_with_a_colon_needs_quotes(tmp_path):
    problem = syntax_error(tmp_path, """
        faq:
          - id: q1
            en:
              question: When do the doors open?
              answer: Doors open at: 10:00
    """)
    assert problem.line == 5
    assert "text containing ': ' needs quotes (write: answer: \"Doors open at: 10:00\")" in problem.message


def test_a_tab_in_the_indentation(tmp_path):
    problem = syntax_error(tmp_path, "faq:\n  - id: q1\n    en:\n\t  question: When?\n")
    assert problem.line == 4
    assert "indented with a tab: indent with spaces only" in problem.message


def test_an_unclosed_quote_is_reported_where_it_opens(tmp_path):
    problem = syntax_error(tmp_path, """
        faq:
          - id: q1
            en:
              question: "When does it start?
              answer: In October.
          - id: q2
            en: {question: Where?, answer: Brussels.}
    """)
    assert problem.line == 4
    assert "a quote opened on this line is not closed" in problem.message


def test_text_after_a_closing_quote(tmp_path):
    problem = syntax_error(tmp_path, """
        faq:
          - id: q1
            en:
              question: "EWRC" is when?
    """)
    assert problem.line == 4
    assert 'put the whole text in quotes (write: question: "EWRC is when?")' in problem.message


@pytest.mark.parametrize("start", ["@", "`", "*", "[", "{"])
def test_text_starting_with_a_special_character_needs_quotes(tmp_path, start):
    problem = syntax_error(tmp_path, f"faq:\n  - id: q1\n    en:\n      answer: {start}eventbot here\n")
    assert problem.line == 4
    assert f"text starting with " in problem.message and start in problem.message.split("needs quotes")[0]


def test_keys_that_do_not_line_up(tmp_path):
    problem = syntax_error(tmp_path, "faq:\n  - id: q1\n    en:\n      question: When?\n     answer: x\n")
    assert problem.line == 5
    assert "keys of one block must line up exactly" in problem.message


def test_a_hint_never_repeats_a_value_that_may_be_a_secret(tmp_path):
    problem = syntax_error(tmp_path, "telegram:\n  token: 123456:AAE: secret-part\n")
    assert "needs quotes" in problem.message and "secret-part" not in problem.message and "AAE" not in problem.message
