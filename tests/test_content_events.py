"""Events in content files: the `past` flag, and the sample events' signups as people meet them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from faq.content import load_content
from faq.normalize import LANGUAGES

SAMPLE = Path(__file__).resolve().parent.parent / "bot" / "sample_content"


def load(folder: Path, extra: str):
    text = "events:\n  - id: expo\n    names: {en: Expo}\n    timezone: Europe/Madrid\n" + \
        textwrap.indent(textwrap.dedent(extra).strip("\n"), "    ") + "\n"
    (folder / "events.yaml").write_text(text, encoding="utf-8")
    return load_content([folder])


# --- past ------------------------------------------------------------------------------------


def test_an_event_is_not_past_unless_marked(tmp_path):
    content, problems = load(tmp_path, "when: {en: Every November}")
    assert problems == [] and content.events["expo"].past is False


def test_past_true_marks_an_event_without_dates_as_past(tmp_path):
    content, problems = load(tmp_path, "when: {en: Mid-November 2018}\npast: true")
    assert problems == [] and content.events["expo"].past is True


@pytest.mark.parametrize("value", ["yes", "2018", '"true"', "[true]"])
def test_past_must_be_true_or_false(tmp_path, value):
    content, problems = load(tmp_path, f"past: {value}")
    assert [(p.line, p.severity) for p in problems] == [(5, "error")]
    assert "event expo: 'past' must be true or false" in problems[0].message


def test_a_misspelt_past_is_named(tmp_path):
    _, problems = load(tmp_path, "pats: true")
    assert [p.message for p in problems] == ["unknown key 'pats' in event (did you mean 'past'?)"]


def test_the_sample_event_the_seeds_report_as_held_is_past():
    content, problems = load_content([SAMPLE])
    assert [p for p in problems if p.severity == "error"] == []
    # the Smart City Expo newsletter (13-12-2018) reports it as held in mid-November 2018;
    # the EWRC comes back every October, and the Japan journey and the two programmes lie ahead
    assert {e.id for e in content.events.values() if e.past} == {"smart-city-expo"}


# --- every sample event takes a signup --------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    content, _ = load_content([SAMPLE])
    return content


def test_every_sample_event_takes_a_signup(sample):
    assert [e.id for e in sample.events.values() if e.signup is None] == []


@pytest.mark.parametrize("event_id", ["inno4sports", "achterhoek"])
def test_the_programmes_keep_an_interest_list_in_four_languages(sample, event_id):
    signup = sample.events[event_id].signup
    assert signup.capacity is None
    assert [(f.id, f.type, f.required) for f in signup.form] == [
        ("organisation", "text", True), ("role", "text", True), ("theme", "choice", True)]
    assert set(signup.consent) == set(LANGUAGES)
    for field in signup.form:
        assert set(field.labels) == set(LANGUAGES), field.id
        for option in field.options:
            assert set(option.labels) == set(LANGUAGES), option.id


def test_the_programmes_themes_are_the_seeds(sample):
    themes = {e: [o.labels["nl"] for o in sample.events[e].signup.form[-1].options] for e in ("inno4sports", "achterhoek")}
    assert themes == {
        "inno4sports": ["Inactiviteit aanpakken", "Publiek-private business creatie", "Technologie en open innovatie",
                        "Leren van andere regio's"],
        "achterhoek": ["Technische industrie en maakindustrie", "Circulaire economie en energietransitie",
                       "Gezondheid en zorg", "Wonen (verduurzaming van woningen, transformatie van vastgoed)",
                       "Mobiliteit (nieuwe vervoersconcepten, elektrificatie)", "Bouw (Smart Building)", "Agro (De Marke)"],
    }


async def test_an_organisation_joins_the_achterhoek_interest_list_in_dutch(conversation):
    anna = conversation(language_hint="nl", user="anna")
    out = await anna.say("/signup achterhoek", "Bouwbedrijf Borculo", "directeur", "Bouw (Smart Building)", "1", "1")
    assert "Welk thema interesseert je het meest?" in out
    assert "om me op de hoogte te houden van het programma open innovatie" in out
    assert "• Je rol in je organisatie: directeur" in out
    assert "• Welk thema interesseert je het meest?: Bouw (Smart Building)" in out
    assert "Je staat op de interesselijst" in out and "Tot dan" not in out  # an interest list, not a place
    out = await anna.say("/mysignups")
    assert "Uitbouwen open innovatiesysteem" in out


async def test_an_organisation_joins_the_inno4sports_interest_list_in_norwegian(conversation):
    ola = conversation(language_hint="no", user="ola")
    out = await ola.say("/signup inno4sports", "Idrettsklubben", "daglig leder", "3", "1", "1")
    assert "Rollen din i organisasjonen" in out
    assert "• Hvilket tema interesserer deg mest?: Teknologi og åpen innovasjon" in out
    assert "for å holde meg orientert om Inno4Sports" in out
    assert "Inno4Sports" in await ola.say("/mysignups")
