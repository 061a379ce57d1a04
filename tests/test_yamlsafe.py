"""Behaviour of the safe YAML loader (faq.yamlsafe): hostile input is refused with file:line."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from faq.yamlsafe import LineDict, LineList, Problem, YamlError, load_file, load_text

REPO = Path(__file__).resolve().parent.parent


def yaml_text(text: str) -> str:
    """Dedent a test document; its first line is line 1."""
    return textwrap.dedent(text).lstrip("\n")


def refused(text: str, file: str = "content/test.yaml", **kwargs) -> Problem:
    """Load text that must be refused and return its problem."""
    with pytest.raises(YamlError) as info:
        load_text(yaml_text(text), file, **kwargs)
    problem = info.value.problem
    assert problem.file == file
    assert problem.severity == "error"
    assert str(info.value) == str(problem)
    return problem


# --- Python and other non-plain tags ------------------------------------------------------


def test_python_object_apply_tag_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "ran"
    problem = refused(f"""
        faq:
          - id: evil
            payload: !!python/object/apply:os.system ["touch {marker}"]
    """)
    assert problem.line == 3
    assert "python/object/apply" in problem.message
    assert not marker.exists()


def test_python_name_tag_is_refused():
    problem = refused("""
        items:
          - harmless
          - !!python/name:os.system
    """)
    assert problem.line == 3
    assert "python/name" in problem.message


def test_python_object_tag_on_a_mapping_is_refused():
    problem = refused("""
        a: 1
        b: !!python/object:collections.OrderedDict
          x: 1
    """)
    assert problem.line == 2
    assert "python/object" in problem.message


def test_python_tag_on_a_mapping_key_is_refused():
    problem = refused("""
        a: 1
        !!python/name:os.system b: 2
    """)
    assert problem.line == 2
    assert "python/name" in problem.message


def test_custom_tag_is_refused():
    problem = refused("""
        event:
          id: x
          secret: !vault db-password
    """)
    assert problem.line == 3
    assert "!vault" in problem.message


def test_custom_tag_on_a_list_is_refused():
    problem = refused("""
        a: !mylist
          - 1
    """)
    assert problem.line == 1
    assert "!mylist" in problem.message


@pytest.mark.parametrize("value", ["!!binary aGVsbG8=", "!!set {x, y}"])
def test_non_plain_standard_tags_are_refused(value):
    problem = refused(f"a: {value}\n")
    assert problem.line == 1
    assert "tag" in problem.message


def test_explicit_plain_tags_are_accepted():
    assert load_text("a: !!str 12\nb: !!int '7'\n", "f.yaml") == {"a": "12", "b": 7}


# --- alias bombs and other expansion attacks ---------------------------------------------


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ["a: &a [" + ", ".join(['"lol"'] * width) + "]"]
    previous = "a"
    for name in "bcdefghijklmnop"[: levels - 1]:
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * width) + "]")
        previous = name
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_before_expansion():
    text = billion_laughs()  # 9**9 (387 million) strings when fully expanded
    problem = refused(text, file="bomb.yaml")
    # Refused because of its aliases/expansion, not because it ran out of memory or time.
    assert "alias" in problem.message or "expand" in problem.message
    assert 1 <= problem.line <= text.count("\n")


def test_billion_laughs_from_a_file_is_refused(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    with pytest.raises(YamlError) as info:
        load_file(path)
    assert info.value.problem.file == str(path)
    assert "alias" in info.value.problem.message or "expand" in info.value.problem.message


def test_few_aliases_to_big_lists_are_stopped_by_the_value_budget():
    # Only 20 aliases (well under the alias limit), but each one expands to 1000 values.
    text = "a: &a [" + ", ".join(["x"] * 1000) + "]\nb: [" + ", ".join(["*a"] * 20) + "]\n"
    problem = refused(text, file="wide.yaml", max_nodes=5000)
    assert "too many values" in problem.message or "expand" in problem.message


def test_recursive_alias_is_refused():
    problem = refused("a: &a [1, *a]\n")
    assert "alias" in problem.message


def test_a_few_ordinary_aliases_are_fine():
    data = load_text(yaml_text("""
        common: &langs [en, nl]
        first: *langs
        second: *langs
    """), "f.yaml")
    assert data == {"common": ["en", "nl"], "first": ["en", "nl"], "second": ["en", "nl"]}


def test_too_many_plain_values_are_refused():
    text = "a: [" + ", ".join(str(i) for i in range(100)) + "]\n"
    problem = refused(text, max_nodes=50)
    assert "too many values" in problem.message


def test_deeply_nested_lists_are_refused_with_a_problem():
    depth = 2000
    problem = refused("a: " + "[" * depth + "]" * depth + "\n")
    assert problem.line == 1


def test_very_deeply_nested_lists_do_not_crash_the_process(tmp_path):
    depth = 100_000
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from faq.yamlsafe import YamlError, load_file\n"
        "try:\n"
        "    load_file(Path(sys.argv[1]))\n"
        "except YamlError:\n"
        "    print('refused')\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(path)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"exit code {result.returncode}: {result.stderr[-500:]}"
    assert result.stdout.strip() == "refused"


# --- file-level checks -------------------------------------------------------------------


def test_oversize_file_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("faq:\n" + "  - id: x\n" * 300, encoding="utf-8")
    size = path.stat().st_size
    assert size > 1000
    with pytest.raises(YamlError) as info:
        load_file(path, max_bytes=1000)
    problem = info.value.problem
    assert (problem.file, problem.line) == (str(path), 1)
    assert "1000" in problem.message and str(size) in problem.message


def test_file_exactly_at_the_size_limit_is_accepted(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert load_file(path, max_bytes=path.stat().st_size) == {"a": 1}


def test_non_utf8_file_is_refused_with_the_line_of_the_bad_byte(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: 1\nb: 2\nc: café\n".encode("latin-1"))
    with pytest.raises(YamlError) as info:
        load_file(path)
    problem = info.value.problem
    assert (problem.file, problem.line) == (str(path), 3)
    assert "UTF-8" in problem.message


def test_utf8_with_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffnames:\n  ja: 郡山\n".encode("utf-8"))
    assert load_file(path) == {"names": {"ja": "郡山"}}


def test_missing_file_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(YamlError) as info:
        load_file(path)
    assert info.value.problem.file == str(path)
    assert "cannot read" in info.value.problem.message


def test_empty_file_loads_as_nothing(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("# only a comment\n", encoding="utf-8")
    assert load_file(path) is None


# --- syntax and structure ----------------------------------------------------------------


def test_syntax_error_reports_its_line():
    problem = refused("""
        events:
          - id: ewrc
            names: en: European Week
    """)
    assert problem.line == 3
    assert "syntax error" in problem.message


def test_bad_indentation_reports_its_line():
    problem = refused("""
        a:
          - x
          - y
         - z
    """)
    assert problem.line == 4
    assert "syntax error" in problem.message


def test_syntax_error_in_a_file_reports_file_and_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("a: 1\nb: [1, 2\nc: 3\n", encoding="utf-8")
    with pytest.raises(YamlError) as info:
        load_file(path)
    assert info.value.problem.file == str(path)
    assert info.value.problem.line in (2, 3)  # the unclosed list starts at 2; libyaml notices at 3
    assert str(info.value).startswith(f"{path}:{info.value.problem.line}: ")


def test_duplicate_key_is_refused_at_the_second_key():
    problem = refused("""
        event:
          id: a
          names: x
          id: b
    """)
    assert problem.line == 4
    assert "duplicate key 'id'" in problem.message


def test_duplicate_key_at_top_level():
    problem = refused("faq: []\nevents: []\nfaq: []\n")
    assert problem.line == 3
    assert "duplicate" in problem.message


def test_merge_key_is_refused():
    problem = refused("""
        base: &base
          timezone: Europe/Brussels
        event:
          <<: *base
          id: x
    """)
    assert problem.line == 4
    assert "merge" in problem.message


def test_non_text_mapping_key_is_refused():
    problem = refused("""
        a: 1
        ? [x, y]
        : 2
    """)
    assert problem.line == 2
    assert "key" in problem.message


# --- scalars: YAML 1.2 rather than 1.1 surprises -----------------------------------------


def test_no_as_a_key_is_the_text_no():
    data = load_text("names:\n  en: Week\n  no: Uke\n", "f.yaml")
    assert data == {"names": {"en": "Week", "no": "Uke"}}
    assert list(data["names"]) == ["en", "no"]
    assert all(isinstance(k, str) for k in data["names"])


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "Yes", "NO"])
def test_yes_no_on_off_values_stay_text(word):
    assert load_text(f"answer: {word}\n", "f.yaml") == {"answer": word}


@pytest.mark.parametrize(("word", "value"), [("true", True), ("false", False), ("True", True), ("FALSE", False)])
def test_true_and_false_are_booleans(word, value):
    result = load_text(f"flag: {word}\n", "f.yaml")["flag"]
    assert result is value


def test_keys_are_always_text():
    data = load_text("1: a\ntrue: b\nnull: c\n2026-10-12: d\n", "f.yaml")
    assert list(data) == ["1", "true", "null", "2026-10-12"]


def test_dates_parse_to_date():
    data = load_text("start: 2026-10-12\nend: 2026-10-15\n", "f.yaml")
    assert data["start"] == dt.date(2026, 10, 12)
    assert type(data["start"]) is dt.date
    assert data["end"] - data["start"] == dt.timedelta(days=3)


def test_date_times_parse_to_datetime():
    value = load_text("start: 2026-10-12 09:30:00\n", "f.yaml")["start"]
    assert value == dt.datetime(2026, 10, 12, 9, 30)


def test_numbers_and_null():
    assert load_text("a: 7\nb: 1.5\nc: ~\nd:\n", "f.yaml") == {"a": 7, "b": 1.5, "c": None, "d": None}


def test_quoted_phone_number_stays_text():
    assert load_text('phone: "+31 6 8142 4972"\n', "f.yaml") == {"phone": "+31 6 8142 4972"}


# --- line numbers ------------------------------------------------------------------------


DOC = yaml_text("""
    # a comment on line 1
    events:
      - id: ewrc
        names:
          en: European Week
          no: Europeisk uke

        aliases: [EWRC, regions week]
        links:
          - https://example.org/a
          - >-
            folded text that
            spans lines
          - https://example.org/b
""")


def test_mapping_remembers_the_line_of_each_key():
    data = load_text(DOC, "f.yaml")
    assert isinstance(data, LineDict)
    assert data.line_of("events") == 2
    event = data["events"][0]
    assert isinstance(event, LineDict)
    assert event.line_of("id") == 3
    assert event.line_of("names") == 4
    assert event.line_of("aliases") == 8
    assert event["names"].line_of("en") == 5
    assert event["names"].line_of("no") == 6


def test_mapping_remembers_its_own_line():
    data = load_text(DOC, "f.yaml")
    event = data["events"][0]
    assert event.line == 3  # the list item "- id: ewrc"
    assert event["names"].line == 5  # the block starts with its first key


def test_line_of_a_missing_key_is_the_line_of_the_mapping():
    event = load_text(DOC, "f.yaml")["events"][0]
    assert event.line_of("timezone") == event.line == 3


def test_list_remembers_the_line_of_each_item():
    event = load_text(DOC, "f.yaml")["events"][0]
    links = event["links"]
    assert isinstance(links, LineList)
    assert links.item_lines == [10, 11, 14]
    assert links[1] == "folded text that spans lines"
    assert links.line == 10


def test_flow_list_items_are_on_the_line_of_the_list():
    event = load_text(DOC, "f.yaml")["events"][0]
    assert event["aliases"] == ["EWRC", "regions week"]
    assert event["aliases"].item_lines == [8, 8]


def test_list_of_mappings_item_lines():
    data = load_text(yaml_text("""
        faq:
          - id: one
            en: {question: q, answer: a}

          - id: two
    """), "f.yaml")
    assert data["faq"].item_lines == [2, 5]
    assert [item.line for item in data["faq"]] == [2, 5]
