"""What `eventbot faq check` reports: every problem in the content, as file:line: message."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from faq.content import Content, ContentError, load_content, load_or_raise
from faq.yamlsafe import Problem

SAMPLE = Path(__file__).resolve().parent.parent / "bot" / "sample_content"

# A valid event that FAQ entries in the tests can refer to.
EVENT_FILE = """\
events:
  - id: ewrc
    names:
      en: European Week of Regions and Cities
    timezone: Europe/Brussels
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def check(folder: Path) -> list[Problem]:
    _, problems = load_content([folder])
    return problems


def at(problems: list[Problem], path: Path, line: int, fragment: str, severity: str = "error") -> Problem:
    """The one problem at path:line whose message contains fragment (fails with the full list otherwise)."""
    found = [p for p in problems if p.file == str(path) and p.line == line and fragment in p.message]
    assert len(found) == 1, f"expected one {severity} at {path.name}:{line} containing {fragment!r}; got:\n" + \
        "\n".join(str(p) for p in problems)
    assert found[0].severity == severity
    assert str(found[0]).startswith(f"{path}:{line}: ")
    return found[0]


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


# --- missing required fields -------------------------------------------------------------


def test_event_without_names(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            timezone: Europe/Brussels
    """)
    problems = check(tmp_path)
    at(problems, f, 2, "missing 'names'")
    assert len(problems) == 1


def test_event_without_timezone(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            names:
              en: EWRC
    """)
    problems = check(tmp_path)
    at(problems, f, 2, "missing 'timezone'")
    assert len(problems) == 1


def test_event_without_id(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - names: {en: EWRC}
            timezone: Europe/Brussels
    """)
    at(check(tmp_path), f, 2, "without 'id'")


def test_faq_entry_without_question(tmp_path):
    f = write(tmp_path, "faq.yaml", """
        faq:
          - id: q1
            en:
              answer: Every October.
    """)
    problems = check(tmp_path)
    # reported inside the `en` block (which begins on line 4)
    problem = at(problems, f, 4, "missing 'question'")
    assert "q1" in problem.message and "en" in problem.message
    assert len(problems) == 1


def test_faq_entry_without_answer(tmp_path):
    f = write(tmp_path, "faq.yaml", """
        faq:
          - id: q1
            nl:
              question: Wanneer is het?
    """)
    problem = at(check(tmp_path), f, 4, "missing 'answer'")
    assert "q1" in problem.message and "nl" in problem.message


def test_faq_entry_without_any_language(tmp_path):
    f = write(tmp_path, "faq.yaml", """
        faq:
          - id: q1
            tags: [about]
    """)
    at(check(tmp_path), f, 2, "no language block")


def test_faq_entry_without_id(tmp_path):
    f = write(tmp_path, "faq.yaml", """
        faq:
          - en: {question: Q?, answer: A.}
    """)
    at(check(tmp_path), f, 2, "without 'id'")


# --- empty fields ------------------------------------------------------------------------


def test_empty_question_and_answer(tmp_path):
    f = write(tmp_path, "faq.yaml", """
        faq:
          - id: q1
            en:
              question: ""
              answer: "   "
    """)
    problems = check(tmp_path)
    at(problems, f, 4, "'question' is empty")
    at(problems, f, 5, "'answer' is empty")
    assert len(problems) == 2


def test_question_with_no_value(tmp_path):
    f = write(tmp_path, "faq.yaml", """
        faq:
          - id: q1
            en:
              question:
              answer: A.
    """)
    at(check(tmp_path), f, 4, "'question'")


def test_empty_event_name_and_timezone(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            names:
              en: ""
            timezone: ""
    """)
    problems = check(tmp_path)
    at(problems, f, 4, "names.en")
    at(problems, f, 5, "'timezone' is empty")


def test_names_without_any_language(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            names: {}
            timezone: Europe/Brussels
    """)
    at(check(tmp_path), f, 3, "needs at least one language")


def test_empty_list_item(tmp_path):
    f = write(tmp_path, "faq.yaml", """
        faq:
          - id: q1
            en:
              question: Q?
              phrasings:
                - Another way?
                - ""
              answer: A.
    """)
    at(check(tmp_path), f, 7, "every item of 'phrasings' must be non-empty text")


# --- wrong types -------------------------------------------------------------------------


def test_wrong_types_in_an_event(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            names: European Week
            timezone: [Europe/Brussels]
            start: next October
            contact: Kees
    """)
    problems = check(tmp_path)
    at(problems, f, 3, "'names' must be a mapping")
    at(problems, f, 4, "'timezone' must be text")
    at(problems, f, 5, "'start' must be a date")
    at(problems, f, 6, "'contact' must be a mapping")


def test_wrong_type_of_list_in_a_valid_event(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            names: {en: EWRC}
            timezone: Europe/Brussels
            aliases: EWRC
            links: https://example.org
    """)
    problems = check(tmp_path)
    at(problems, f, 5, "'aliases' must be a list")
    at(problems, f, 6, "'links' must be a list")


def test_wrong_types_in_a_faq_entry(tmp_path):
    write(tmp_path, "events.yaml", EVENT_FILE)
    f = write(tmp_path, "faq.yaml", """
        faq:
          - id: q1
            event: [ewrc]
            en:
              question: [What, when]
              phrasings: When is it?
              answer: A.
          - id: q2
            en: When is it? Every October.
    """)
    problems = check(tmp_path)
    at(problems, f, 3, "'event' must be an event id")
    at(problems, f, 5, "'question' must be text")
    at(problems, f, 6, "'phrasings' must be a list")
    at(problems, f, 9, "'en' must be a mapping")


def test_top_level_sections_must_be_lists_of_mappings(tmp_path):
    f = write(tmp_path, "content.yaml", """
        events:
          - just a name
        faq:
          id: q1
    """)
    problems = check(tmp_path)
    at(problems, f, 2, "each item of 'events' must be a mapping")
    at(problems, f, 3, "'faq' must be a list")


def test_file_that_is_not_a_mapping(tmp_path):
    f = write(tmp_path, "content.yaml", """
        - id: ewrc
        - id: q1
    """)
    at(check(tmp_path), f, 1, "must be a mapping")


# --- unknown keys ------------------------------------------------------------------------


def test_unknown_key_in_event(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            names: {en: EWRC}
            venue: Brussels
            timezone: Europe/Brussels
    """)
    problems = check(tmp_path)
    at(problems, f, 4, "unknown key 'venue'")
    assert len(problems) == 1


def test_unknown_key_in_contact(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            names: {en: EWRC}
            timezone: Europe/Brussels
            contact:
              name: Kees
              fax: "+31 0"
    """)
    at(check(tmp_path), f, 7, "unknown key 'fax'")


def test_unknown_key_in_faq_entry(tmp_path):
    f = write(tmp_path, "faq.yaml", """
        faq:
          - id: q1
            category: about
            en: {question: Q?, answer: A.}
    """)
    at(check(tmp_path), f, 3, "'category'")


def test_unknown_key_in_language_block(tmp_path):
    f = write(tmp_path, "faq.yaml", """
        faq:
          - id: q1
            en:
              question: Q?
              hint: say it nicely
              answer: A.
    """)
    at(check(tmp_path), f, 5, "unknown key 'hint'")


def test_unknown_top_level_key(tmp_path):
    f = write(tmp_path, "faq.yaml", """
        faq:
          - id: q1
            en: {question: Q?, answer: A.}
        questions:
          - id: q2
    """)
    at(check(tmp_path), f, 4, "unknown key 'questions'")


# --- unknown language codes --------------------------------------------------------------


def test_unknown_language_in_faq_entry(tmp_path):
    f = write(tmp_path, "faq.yaml", """
        faq:
          - id: q1
            en: {question: Q?, answer: A.}
            de: {question: Wann?, answer: Im Oktober.}
    """)
    problems = check(tmp_path)
    problem = at(problems, f, 4, "'de'")
    assert "language code" in problem.message
    assert len(problems) == 1


def test_unknown_language_in_event_names(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            names:
              en: European Week
              de: Europäische Woche
            timezone: Europe/Brussels
    """)
    at(check(tmp_path), f, 5, "unknown language code 'de'")


def test_unknown_default_language(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            default_language: fr
            names: {en: EWRC}
            timezone: Europe/Brussels
    """)
    at(check(tmp_path), f, 3, "unknown language code 'fr'")


def test_unquoted_no_is_norwegian(tmp_path):
    write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            default_language: no
            names:
              en: European Week
              no: Europeisk uke
            timezone: Europe/Brussels
    """)
    content, problems = load_content([tmp_path])
    assert problems == []
    assert content.events["ewrc"].names == {"en": "European Week", "no": "Europeisk uke"}
    assert content.events["ewrc"].default_language == "no"


# --- ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["EWRC", "my_entry", "two words", "-leading-dash", "dot.ted", "é"])
def test_invalid_faq_id(tmp_path, bad_id):
    f = write(tmp_path, "faq.yaml", f"""
        faq:
          - en: {{question: Q?, answer: A.}}
            id: "{bad_id}"
    """)
    problem = at(check(tmp_path), f, 3, "must be lowercase letters, digits and '-'")
    assert repr(bad_id) in problem.message


def test_id_that_is_not_text(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - names: {en: EWRC}
            id: 2026
            timezone: Europe/Brussels
    """)
    at(check(tmp_path), f, 3, "must be lowercase letters")


def test_duplicate_event_id_across_files(tmp_path):
    first = write(tmp_path, "a-events.yaml", EVENT_FILE)
    second = write(tmp_path, "b-events.yaml", """
        # the same event again
        events:
          - id: ewrc
            names: {nl: Europese Week}
            timezone: Europe/Brussels
    """)
    content, problems = load_content([tmp_path])
    problem = at(problems, second, 3, "duplicate id 'ewrc'")
    assert f"{first}:2" in problem.message
    assert len(problems) == 1
    assert content.events["ewrc"].names == {"en": "European Week of Regions and Cities"}


def test_duplicate_faq_id_across_files(tmp_path):
    first = write(tmp_path, "faq-1.yaml", """
        faq:
          - id: when
            en: {question: When is it?, answer: In October.}
    """)
    second = write(tmp_path, "faq-2.yaml", """
        faq:
          - id: where
            en: {question: Where is it?, answer: Brussels.}
          - id: when
            en: {question: What are the dates?, answer: 12 to 15 October.}
    """)
    problem = at(check(tmp_path), second, 4, "duplicate id 'when'")
    assert f"{first}:2" in problem.message


def test_duplicate_id_is_reported_even_when_the_first_definition_has_an_error(tmp_path):
    f = write(tmp_path, "content.yaml", """
        events:
          - id: ewrc
            names: {en: EWRC}
          - id: ewrc
            names: {en: EWRC again}
            timezone: Europe/Brussels
    """)
    problems = check(tmp_path)
    at(problems, f, 2, "missing 'timezone'")
    at(problems, f, 4, "duplicate id 'ewrc'")


def test_same_id_for_an_event_and_an_entry_is_fine(tmp_path):
    write(tmp_path, "content.yaml", EVENT_FILE + """\
faq:
  - id: ewrc
    event: ewrc
    en: {question: What is the EWRC?, answer: A week in Brussels.}
""")
    assert check(tmp_path) == []


# --- references, time zones, dates -------------------------------------------------------


def test_entry_referring_to_unknown_event(tmp_path):
    write(tmp_path, "events.yaml", EVENT_FILE)
    f = write(tmp_path, "faq.yaml", """
        faq:
          - id: q1
            event: ewrc
            en: {question: Q1?, answer: A.}
          - id: q2
            en: {question: Q2?, answer: A.}
            event: ewrc-2026
    """)
    problems = check(tmp_path)
    problem = at(problems, f, 7, "unknown event 'ewrc-2026'")
    assert "q2" in problem.message
    assert len(problems) == 1


def test_entry_may_refer_to_an_event_in_a_later_file(tmp_path):
    write(tmp_path, "a-faq.yaml", """
        faq:
          - id: q1
            event: ewrc
            en: {question: Q1?, answer: A.}
    """)
    write(tmp_path, "z-events.yaml", EVENT_FILE)
    assert check(tmp_path) == []


def test_unknown_time_zone(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            names: {en: EWRC}
            timezone: Europe/Atlantis
          - id: mars
            names: {en: Mars}
            timezone: ../../etc/passwd
    """)
    problems = check(tmp_path)
    at(problems, f, 4, "unknown time zone 'Europe/Atlantis'")
    at(problems, f, 7, "unknown time zone")


def test_time_zone_that_names_a_region_folder(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            names: {en: EWRC}
            timezone: Europe
    """)
    at(check(tmp_path), f, 4, "unknown time zone 'Europe'")


def test_end_before_start(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            names: {en: EWRC}
            timezone: Europe/Brussels
            start: 2026-10-15
            end: 2026-10-12
    """)
    problems = check(tmp_path)
    at(problems, f, 6, "'end' is before 'start'")
    assert len(problems) == 1


def test_end_before_start_with_date_times(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            names: {en: EWRC}
            timezone: Europe/Brussels
            start: 2026-10-12 18:00:00
            end: 2026-10-12 09:00:00
    """)
    at(check(tmp_path), f, 6, "'end' is before 'start'")


def test_one_day_event_is_fine(tmp_path):
    write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            names: {en: EWRC}
            timezone: Europe/Brussels
            start: 2026-10-12
            end: 2026-10-12
    """)
    content, problems = load_content([tmp_path])
    assert problems == []
    assert content.events["ewrc"].start == dt.date(2026, 10, 12)


# --- near-identical phrasings ------------------------------------------------------------


def test_near_identical_phrasings_in_two_entries_are_a_warning(tmp_path):
    f = write(tmp_path, "faq.yaml", """
        faq:
          - id: ewrc-when
            en:
              question: When is the EWRC?
              answer: Every October.
          - id: ewrc-dates
            en:
              question: What are the dates?
              phrasings:
                - when is the EWRC
              answer: 12 to 15 October.
    """)
    content, problems = load_content([tmp_path])
    problem = at(problems, f, 6, "near-identical", severity="warning")
    assert "ewrc-when" in problem.message and "ewrc-dates" in problem.message
    assert "en" in problem.message
    assert str(problem).startswith(f"{f}:6: warning: ")
    assert len(problems) == 1
    assert set(content.entries) == {"ewrc-when", "ewrc-dates"}  # a warning does not drop entries


def test_near_identical_phrasings_across_files(tmp_path):
    write(tmp_path, "a.yaml", """
        faq:
          - id: cost
            nl: {question: Wat kost het?, answer: Niets.}
    """)
    f = write(tmp_path, "b.yaml", """
        faq:
          - id: price
            nl: {question: "Wat kost het ?!", answer: Het is gratis.}
    """)
    at(check(tmp_path), f, 2, "near-identical", severity="warning")


def test_same_phrasing_in_different_languages_is_fine(tmp_path):
    write(tmp_path, "faq.yaml", """
        faq:
          - id: about-en
            en: {question: What is EWRC?, answer: A week.}
          - id: about-nl
            nl: {question: What is EWRC?, answer: Een week.}
    """)
    assert check(tmp_path) == []


def test_repeated_phrasing_within_one_entry_is_fine(tmp_path):
    write(tmp_path, "faq.yaml", """
        faq:
          - id: when
            en:
              question: When is it?
              phrasings: [when is it]
              answer: October.
    """)
    assert check(tmp_path) == []


def test_different_questions_are_not_near_identical(tmp_path):
    write(tmp_path, "faq.yaml", """
        faq:
          - id: when
            en: {question: When is the EWRC?, answer: October.}
          - id: where
            en: {question: Where is the EWRC?, answer: Brussels.}
    """)
    assert check(tmp_path) == []


# --- files -------------------------------------------------------------------------------


def test_folder_without_yaml_files(tmp_path):
    (tmp_path / "notes.txt").write_text("events: []\n", encoding="utf-8")
    (tmp_path / "sub.yaml").mkdir()  # reported as what it is, not skipped silently
    problems = check(tmp_path)
    assert [str(p) for p in problems] == [f"{tmp_path / 'sub.yaml'}:1: is a folder, not a YAML file; it is not read",
                                          f"{tmp_path}:1: no YAML files found"]


def test_both_yaml_and_yml_are_read(tmp_path):
    write(tmp_path, "events.yml", EVENT_FILE)
    write(tmp_path, "faq.yaml", """
        faq:
          - id: q1
            event: ewrc
            en: {question: Q?, answer: A.}
    """)
    content, problems = load_content([tmp_path])
    assert problems == []
    assert set(content.events) == {"ewrc"} and set(content.entries) == {"q1"}


def test_yaml_errors_are_reported_with_the_other_files_problems(tmp_path):
    broken = write(tmp_path, "a.yaml", """
        faq:
          - id: q1
            en:
              question: Q?
              answer: !!python/name:os.system
    """)
    other = write(tmp_path, "b.yaml", """
        events:
          - id: ewrc
            names: {en: EWRC}
    """)
    big = write(tmp_path, "c.yaml", "faq: []\n" + "# padding\n" * 100)
    problems = check(tmp_path)
    at(problems, broken, 5, "python/name")
    at(problems, other, 2, "missing 'timezone'")
    assert not any(p.file == str(big) for p in problems)
    problems = load_content([tmp_path], max_bytes=500)[1]
    at(problems, big, 1, "over the limit")


# --- everything at once ------------------------------------------------------------------


def test_all_problems_in_one_file_are_reported_at_once(tmp_path):
    f = write(tmp_path, "content.yaml", """
        events:
          - id: Bad_Id
            names: {en: Bad}
            timezone: Europe/Brussels
          - id: ewrc
            names: {en: EWRC, de: EWRC}
            timezone: Mars/Base
            start: 2026-10-15
            end: 2026-10-12
        faq:
          - id: q1
            event: nope
            en:
              question: ""
              answer: A.
          - id: q2
            colour: blue
            fr: {question: Q?, answer: A.}
        extra: true
    """)
    problems = check(tmp_path)
    expected = [
        (2, "must be lowercase"),
        (6, "unknown language code 'de'"),
        (7, "unknown time zone 'Mars/Base'"),
        (9, "'end' is before 'start'"),
        (14, "'question' is empty"),
        (17, "'colour'"),
        (18, "'fr'"),
        (16, "no language block"),
        (19, "unknown key 'extra'"),
    ]
    for line, fragment in expected:
        at(problems, f, line, fragment)
    assert len(problems) == len(expected)


def test_problems_in_optional_fields_are_reported_even_when_a_required_field_is_missing(tmp_path):
    f = write(tmp_path, "content.yaml", """
        events:
          - id: ewrc
            names: {en: EWRC}
            aliases: EWRC
            place:
              de: Brüssel
        faq:
          - id: q1
            tags: about
            en:
              question: Q?
    """)
    problems = check(tmp_path)
    at(problems, f, 2, "missing 'timezone'")
    at(problems, f, 11, "missing 'answer'")
    at(problems, f, 4, "'aliases' must be a list")
    at(problems, f, 6, "unknown language code 'de'")
    at(problems, f, 9, "'tags' must be a list")


# --- load_or_raise -----------------------------------------------------------------------


def test_load_or_raise_raises_content_error_with_every_error(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            names: {en: EWRC}
          - id: other
            timezone: Europe/Brussels
    """)
    with pytest.raises(ContentError) as info:
        load_or_raise([tmp_path])
    problems = info.value.problems
    assert {(p.file, p.line) for p in problems} == {(str(f), 2), (str(f), 4)}
    assert all(p.severity == "error" for p in problems)
    assert f"{f}:2: " in str(info.value) and f"{f}:4: " in str(info.value)


def test_load_or_raise_raises_on_a_yaml_error(tmp_path):
    write(tmp_path, "events.yaml", "events: [\n")
    with pytest.raises(ContentError):
        load_or_raise([tmp_path])


def test_load_or_raise_raises_on_an_empty_folder(tmp_path):
    with pytest.raises(ContentError):
        load_or_raise([tmp_path])


def test_load_or_raise_ignores_warnings(tmp_path):
    write(tmp_path, "faq.yaml", """
        faq:
          - id: a
            en: {question: When is it?, answer: October.}
          - id: b
            en: {question: When is it?, answer: Also October.}
    """)
    assert any(p.severity == "warning" for p in check(tmp_path))
    content = load_or_raise([tmp_path])
    assert set(content.entries) == {"a", "b"}


def test_valid_content_is_read_into_the_model(tmp_path):
    write(tmp_path, "events.yaml", """
        events:
          - id: ewrc
            default_language: en
            names:
              en: European Week of Regions and Cities
              "no": Den europeiske uken for regioner og byer
            aliases: [EWRC]
            start: 2026-10-12
            end: 2026-10-15
            timezone: Europe/Brussels
            contact:
              name: Kees Verspui
              phone: "+31 6 8142 4972"
            links:
              - https://example.org
    """)
    write(tmp_path, "faq.yaml", """
        faq:
          - id: ewrc-participants
            event: ewrc
            tags: [numbers]
            en:
              question: How many people take part?
              phrasings:
                - How big is it?
              answer: >
                About 6,000 participants.
    """)
    content = load_or_raise([tmp_path])
    assert isinstance(content, Content)
    event = content.events["ewrc"]
    assert event.names["no"] == "Den europeiske uken for regioner og byer"
    assert event.aliases == ("EWRC",)
    assert (event.start, event.end) == (dt.date(2026, 10, 12), dt.date(2026, 10, 15))
    assert event.contact is not None and event.contact.phone == "+31 6 8142 4972"
    assert event.links == ("https://example.org",)
    entry = content.entries["ewrc-participants"]
    assert entry.event == "ewrc" and entry.tags == ("numbers",)
    assert entry.texts["en"].all_phrasings == ("How many people take part?", "How big is it?")
    assert entry.texts["en"].answer == "About 6,000 participants."
    assert entry.source == f"{tmp_path / 'faq.yaml'}:2"


# --- the shipped sample content ----------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    content, problems = load_content([SAMPLE])
    return content, problems


def test_sample_content_has_no_problems(sample):
    _, problems = sample
    assert problems == [], "\n".join(str(p) for p in problems)


def test_sample_content_loads_with_load_or_raise():
    content = load_or_raise([SAMPLE])
    assert content.events


def test_sample_content_has_the_five_events(sample):
    content, _ = sample
    assert set(content.events) == {"japan-journey", "ewrc", "smart-city-expo", "inno4sports", "achterhoek"}


def test_sample_content_has_enough_entries(sample):
    content, _ = sample
    assert len(content.entries) >= 60


def test_every_sample_entry_belongs_to_a_known_event(sample):
    content, _ = sample
    assert all(entry.event in content.events for entry in content.entries.values())


def test_every_sample_entry_has_english_and_dutch(sample):
    content, _ = sample
    missing = [e.id for e in content.entries.values() if not {"en", "nl"} <= set(e.texts)]
    assert missing == []


def test_every_ewrc_entry_has_norwegian(sample):
    content, _ = sample
    ewrc = [e for e in content.entries.values() if e.event == "ewrc"]
    assert ewrc
    assert [e.id for e in ewrc if "no" not in e.texts] == []


def test_every_japan_journey_entry_has_japanese(sample):
    content, _ = sample
    japan = [e for e in content.entries.values() if e.event == "japan-journey"]
    assert japan
    assert [e.id for e in japan if "ja" not in e.texts] == []


# --- signup blocks -------------------------------------------------------------------------


def test_signup_block_problems_are_all_reported_with_their_lines(tmp_path):
    f = write(tmp_path, "events.yaml", """
        events:
          - id: trip
            names: {en: Trip}
            timezone: Asia/Tokyo
            signup:
              capacity: 0
              waitlist: sometimes
              opens: 2026-05-01
              closes: 2026-04-01
              colour: blue
              form:
                - id: email
                  type: mail
                  label: {en: E-mail}
                - id: diet
                  type: choice
                  label: {en: Diet}
                - id: age
                  type: number
                  min: 50
                  max: 10
                  label: {en: Age}
                - id: age
                  type: text
                  label: {en: Again}
                - id: phone
                  type: phone
                  region: Netherlands
                  label: {xx: Phone}
    """)
    problems = check(tmp_path)
    at(problems, f, 6, "'capacity' must be a whole number of at least 1")
    at(problems, f, 7, "'waitlist' must be true or false")
    at(problems, f, 9, "'closes' is not after 'opens'")
    at(problems, f, 10, "unknown key 'colour'")
    at(problems, f, 13, "unknown type 'mail'")
    at(problems, f, 15, "a choice field needs a list of 'options'")
    at(problems, f, 21, "'max' is below 'min'")
    at(problems, f, 23, "duplicate form field id 'age'")
    at(problems, f, 28, "'region' must be a two-letter country code")
    at(problems, f, 29, "unknown language code 'xx'")


def test_signup_times_are_in_the_event_time_zone(tmp_path):
    write(tmp_path, "events.yaml", """
        events:
          - id: trip
            names: {en: Trip}
            timezone: Asia/Tokyo
            signup:
              opens: "2026-05-01 09:30"
              closes: 2026-06-01
    """)
    content, problems = load_content([tmp_path])
    assert not problems
    signup = content.events["trip"].signup
    assert signup.opens.isoformat() == "2026-05-01T09:30:00+09:00"
    assert signup.closes.isoformat() == "2026-06-01T23:59:59+09:00"
    assert signup.capacity is None and signup.waitlist and signup.form == ()
