"""Checking one answer to one signup form field: typed text in, a clean value or a problem out."""

from __future__ import annotations

from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from bot.texts import PLURALS, t, tn
from faq.normalize import LANGUAGES, normalize
from faq.signup_content import FormField, SignupSettings

YES = {"y", "yes", "ja", "j", "yep", "ok", "はい", "うん", "ええ", "1", "true"}
NO = {"n", "no", "nee", "nei", "nope", "いいえ", "いえ", "0", "false"}


class Invalid(Exception):
    """An answer that does not fit the field; `key` and `values` name the text to show."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def label(texts: dict[str, str], lang: str, default_lang: str | None = None) -> str:
    """A per-language text in lang, else the default language, else any."""
    return texts.get(lang) or texts.get(default_lang or "") or texts.get("en") or next(iter(texts.values()), "")


def problem_text(problem: Invalid, lang: str) -> str:
    """What is wrong with an answer, in lang (a text with a number in its plural form)."""
    if problem.key in PLURALS:
        count = next(v for v in problem.values.values() if isinstance(v, int))
        return tn(problem.key, count, lang, **problem.values)
    return t(problem.key, lang, **problem.values)


def form_language(settings: SignupSettings | None, lang: str, default_lang: str | None = None) -> str:
    """The one language a whole form is shown in, so labels, options, consent and buttons never mix.

    lang when every text of the form has it; else the event's default language, English
    or any language that has them all; lang when none does (the interface texts exist in all).
    """
    if settings is None:
        return lang
    texts = [f.labels for f in settings.form] + [o.labels for f in settings.form for o in f.options]
    texts += [settings.consent] if settings.consent else []
    for candidate in (lang, default_lang, "en", *LANGUAGES):
        if candidate and all(candidate in t for t in texts):
            return candidate
    return lang


def check(field: FormField, text: str) -> Any:
    """The value of a typed answer, or Invalid. Empty answers are the caller's business."""
    text = text.strip()
    if field.type == "email":
        try:
            return validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError:
            raise Invalid("form_invalid_email") from None
    if field.type == "phone":
        try:
            number = phonenumbers.parse(text, field.region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise Invalid("form_invalid_phone")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if field.type == "number":
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            raise Invalid("form_invalid_number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise Invalid("form_invalid_number")
        if (field.min is not None and value < field.min) or (field.max is not None and value > field.max):
            low = "" if field.min is None else f"{field.min:g}"
            high = "" if field.max is None else f"{field.max:g}"
            raise Invalid("form_number_range", min=low or "…", max=high or "…")
        return int(value) if value.is_integer() else value
    if field.type == "yesno":
        word = normalize(text)
        if word in YES:
            return True
        if word in NO:
            return False
        raise Invalid("form_invalid_yesno")
    if field.type == "choice":
        wanted = normalize(text)
        if text.isdecimal() and text.isascii() and 1 <= int(text) <= len(field.options):
            return field.options[int(text) - 1].id
        for option in field.options:
            if wanted == option.id or wanted in (normalize(v) for v in option.labels.values()):
                return option.id
        raise Invalid("form_invalid_choice")
    if len(text) > field.max_length:
        raise Invalid("form_too_long", max=field.max_length)
    return text


def shown(field: FormField, value: Any, lang: str, yes: str, no: str) -> str:
    """An answer as the person sees it in the summary."""
    if value is None:
        return "–"
    if field.type == "yesno":
        return yes if value else no
    if field.type == "choice":
        for option in field.options:
            if option.id == value:
                return label(option.labels, lang)
    return str(value)


def priority(fields: tuple[FormField, ...], answers: dict[str, Any]) -> int:
    """The waiting-list priority the chosen options give."""
    total = 0
    for field in fields:
        for option in field.options:
            if answers.get(field.id) == option.id:
                total += option.priority
    return total
