"""The `signup:` block of an event: capacity, waiting list, signup window and form.

    signup:
      capacity: 200              # places; leave out for no limit
      waitlist: true             # keep a waiting list when full (default true)
      waitlist_offer_hours: 48   # offer a freed place for this long instead of promoting at once
      opens: 2026-01-10 09:00    # in the event's time zone; a date alone means the start of that day
      closes: 2026-03-01         # a date alone means the end of that day
      consent: {en: "...", nl: "..."}
      form:
        - id: email
          type: email            # text, email, phone, choice, yesno, number
          label: {en: "Your e-mail address", nl: "..."}
          required: true         # default true
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from faq.content_dates import FORMS, read_moment
from faq.content_suggest import closest

FIELD_TYPES = ("text", "email", "phone", "choice", "yesno", "number")
_SIGNUP_KEYS = ("capacity", "waitlist", "waitlist_offer_hours", "opens", "closes", "consent", "form", "interest",
                "delete_after_days")
_FIELD_KEYS = ("id", "type", "label", "required", "options", "min", "max", "max_length", "region")
_OPTION_KEYS = ("id", "label", "priority")


@dataclass(frozen=True)
class FormOption:
    """One option of a choice field; a priority moves its choosers up the waiting list."""

    id: str
    labels: dict[str, str]
    priority: int = 0


@dataclass(frozen=True)
class FormField:
    """One question of a signup form."""

    id: str
    type: str
    labels: dict[str, str]
    required: bool = True
    options: tuple[FormOption, ...] = ()
    min: float | None = None
    max: float | None = None
    max_length: int = 200
    region: str | None = None  # phone numbers without +country are read in this region (e.g. NL)


@dataclass(frozen=True)
class SignupSettings:
    """How people sign up for an event."""

    capacity: int | None = None
    waitlist: bool = True
    waitlist_offer_hours: float | None = None
    opens: dt.datetime | None = None  # aware, in the event's time zone
    closes: dt.datetime | None = None
    consent: dict[str, str] | None = None
    form: tuple[FormField, ...] = ()
    interest: bool = False  # an interest list (no place at an event): the bot says "on the list", not "see you there"
    delete_after_days: int | None = None  # retention: signups and answers are deleted this many days after the event


def _number(c: Any, data: Any, key: str, what: str, integer: bool = False, minimum: float = 0) -> Any:
    value = data.get(key)
    if value is None:
        return None
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or value < minimum:
        kind = "a whole number" if integer else "a number"
        c.error(data.line_of(key), f"{what}: {key!r} must be {kind} of at least {minimum:g}")
        return None
    return value


def _moment(c: Any, data: Any, key: str, what: str, tz: zoneinfo.ZoneInfo | None, end_of_day: bool) -> dt.datetime | None:
    value = data.get(key)
    if value is None:
        return None
    raw, value = value, read_moment(value)
    if value is None:
        c.error(data.line_of(key), f"{what}: {key!r} must be {FORMS}, not {raw!r}")
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time.max if end_of_day else dt.time.min).replace(microsecond=0)
    if value.tzinfo is None and tz is not None:
        value = value.replace(tzinfo=tz)
    return value


def _field(c: Any, data: Any, what: str) -> FormField | None:
    c.unknown_keys(data, _FIELD_KEYS, what)
    field_id = c.ident(data, "form field")
    what = f"{what} {field_id or '?'}"
    kind = data.get("type", "text")
    if kind not in FIELD_TYPES:
        guess = closest(kind, FIELD_TYPES)
        hint = f"did you mean {guess!r}?" if guess else f"known: {', '.join(FIELD_TYPES)}"
        c.error(data.line_of("type"), f"{what}: unknown type {kind!r} ({hint})")
        kind = None
    labels = c.per_language(data, "label", what, required=True)
    required = data.get("required", True)
    if not isinstance(required, bool):
        c.error(data.line_of("required"), f"{what}: 'required' must be true or false")
    options: list[FormOption] = []
    raw = data.get("options")
    if kind == "choice":
        if not raw or not isinstance(raw, list):
            c.error(data.line_of("options") if raw is not None else data.line, f"{what}: a choice field needs a list of 'options'")
        else:
            for item, line in zip(raw, raw.item_lines):
                block = c.mapping(item, line, f"{what}: each option")
                if block is None:
                    continue
                c.unknown_keys(block, _OPTION_KEYS, f"{what} option")
                option_id = c.ident(block, f"{what} option")
                option_labels = c.per_language(block, "label", f"{what} option {option_id or '?'}", required=True)
                priority = _number(c, block, "priority", f"{what} option", integer=True, minimum=-1000) or 0
                if option_id and option_labels:
                    options.append(FormOption(option_id, option_labels, priority))
    elif raw is not None and kind is not None:  # with a misspelt type, the type is the one problem
        c.error(data.line_of("options"), f"{what}: 'options' only belong to a choice field")
    low, high = _number(c, data, "min", what, minimum=-1e12), _number(c, data, "max", what, minimum=-1e12)
    if low is not None and high is not None and low > high:
        c.error(data.line_of("max"), f"{what}: 'max' is below 'min'")
    max_length = _number(c, data, "max_length", what, integer=True, minimum=1) or 200
    region = c.text(data, "region", what) or None
    if region is not None and (len(region) != 2 or not region.isalpha()):
        c.error(data.line_of("region"), f"{what}: 'region' must be a two-letter country code such as NL")
    if not field_id or not kind or not labels or not isinstance(required, bool):
        return None
    return FormField(field_id, kind, labels, required, tuple(options), low, high, max_length,
                     region.upper() if region else None)


def parse_signup(c: Any, data: Any, what: str, timezone: str) -> SignupSettings | None:
    """Read an event's `signup:` block with the content checker c; None if absent or broken."""
    block = data.get("signup")
    if block is None:
        return None
    block = c.mapping(block, data.line_of("signup"), f"{what}: 'signup'")
    if block is None:
        return None
    what = f"{what} signup"
    c.unknown_keys(block, _SIGNUP_KEYS, what)
    try:
        tz = zoneinfo.ZoneInfo(timezone) if timezone else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        tz = None
    capacity = _number(c, block, "capacity", what, integer=True, minimum=1)
    waitlist = block.get("waitlist", True)
    if not isinstance(waitlist, bool):
        c.error(block.line_of("waitlist"), f"{what}: 'waitlist' must be true or false")
        waitlist = True
    offer_hours = _number(c, block, "waitlist_offer_hours", what, minimum=0.01)
    opens = _moment(c, block, "opens", what, tz, end_of_day=False)
    closes = _moment(c, block, "closes", what, tz, end_of_day=True)
    if opens and closes and closes <= opens:
        c.error(block.line_of("closes"), f"{what}: 'closes' is not after 'opens'")
    consent = c.per_language(block, "consent", what) or None
    fields: list[FormField] = []
    raw = block.get("form")
    if raw is not None and not isinstance(raw, list):
        c.error(block.line_of("form"), f"{what}: 'form' must be a list of fields")
    for item, line in zip(raw or (), getattr(raw, "item_lines", ())):
        field_block = c.mapping(item, line, f"{what}: each form field")
        if field_block is None:
            continue
        parsed = _field(c, field_block, f"{what} field")
        if parsed is None:
            continue
        if any(f.id == parsed.id for f in fields):
            c.error(field_block.line_of("id"), f"{what}: duplicate form field id {parsed.id!r}")
            continue
        fields.append(parsed)
    interest = block.get("interest", False)
    if not isinstance(interest, bool):
        c.error(block.line_of("interest"), f"{what}: 'interest' must be true or false")
        interest = False
    keep_days = _number(c, block, "delete_after_days", what, integer=True, minimum=0)
    return SignupSettings(capacity, waitlist, offer_hours, opens, closes, consent, tuple(fields), interest, keep_days)
