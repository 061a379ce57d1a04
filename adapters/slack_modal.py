"""Slack modals for the core's whole signup form: a FormView as a modal view, a submitted view as answers.

Pure functions, no network, like adapters/slack_render.py. Every field is one input
block whose block id is the field's id (so the core's problems, keyed by field id,
are Slack's field errors as they are); the consent checkbox is the block "consent".
"""

from __future__ import annotations

import json
from typing import Any

from adapters.slack_render import Block
from bot.messages import Choice, FieldView, FormView

CALLBACK_ID = "eventbot-signup"
CONSENT = "consent"  # the block id of the consent checkbox (the key of its problem, too)
VALUE = "value"  # the action id of every input element
TITLE_LIMIT = 24  # characters in a modal's title and buttons
HEADER_LIMIT = 150
LABEL_LIMIT = 2000
OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
SELECT_OPTIONS = 100
RADIO_OPTIONS = 10
METADATA_LIMIT = 3000


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split()) or "?"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object, shortened to Slack's limit for where it is used."""
    return {"type": "plain_text", "text": _short(text, limit), "emoji": True}


def option(choice: Choice) -> dict[str, Any]:
    """An option of a select, radio buttons or checkboxes; its value is the choice's payload."""
    return {"text": plain(choice.label, OPTION_TEXT_LIMIT), "value": choice.payload[:OPTION_VALUE_LIMIT]}


def element(field: FieldView) -> Block:
    """The input element for a field: a select or radio buttons for choices, else a text input."""
    if field.type == "choice" and field.options:
        return {"type": "static_select", "action_id": VALUE,
                "options": [option(c) for c in field.options[:SELECT_OPTIONS]]}
    if field.type == "yesno" and field.options:
        return {"type": "radio_buttons", "action_id": VALUE,
                "options": [option(c) for c in field.options[:RADIO_OPTIONS]]}
    if field.type == "email":
        return {"type": "email_text_input", "action_id": VALUE}
    if field.type == "number":
        return {"type": "number_input", "action_id": VALUE, "is_decimal_allowed": True}
    return {"type": "plain_text_input", "action_id": VALUE}  # text, phone (checked by the core)


def input_block(field: FieldView) -> Block:
    """One field as an input block; optional fields may be left empty."""
    return {"type": "input", "block_id": field.id, "label": plain(field.label, LABEL_LIMIT),
            "optional": not field.required, "element": element(field)}


def consent_block(consent: str, agree_label: str = "") -> Block:
    """The consent text once, as the label of a required checkbox whose option says "I agree"."""
    return {"type": "input", "block_id": CONSENT, "label": plain(consent, LABEL_LIMIT), "element": {
        "type": "checkboxes", "action_id": VALUE, "options": [option(Choice(agree_label or "✓", "agree"))]}}


def form_view(form: FormView, metadata: dict[str, Any]) -> dict[str, Any]:
    """The modal for views.open: every field at once, the consent checkbox, metadata for the submission."""
    blocks: list[Block] = []
    if len(" ".join(form.title.split())) > TITLE_LIMIT:  # the title bar is short: the whole title above the form
        blocks.append({"type": "header", "text": plain(form.title, HEADER_LIMIT)})
    blocks += [input_block(f) for f in form.fields]
    if form.consent:
        blocks.append(consent_block(form.consent, form.agree_label))
    private = json.dumps(metadata, separators=(",", ":"))
    if len(private) > METADATA_LIMIT:
        raise ValueError("the modal's metadata is too long")
    return {"type": "modal", "callback_id": CALLBACK_ID, "title": plain(form.title, TITLE_LIMIT),
            "submit": plain(form.submit_label, TITLE_LIMIT), "private_metadata": private, "blocks": blocks}


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """What form_view put in the view's private_metadata ({} when it is missing or not ours)."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def answers(view: dict[str, Any]) -> tuple[dict[str, str], bool]:
    """The submitted answers by field id (as typed or the chosen option's value), and whether consent was ticked."""
    values: dict[str, str] = {}
    consented = False
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        state = actions.get(VALUE) or {}
        if block_id == CONSENT:
            consented = bool(state.get("selected_options"))
            continue
        chosen = state.get("selected_option") or {}
        values[block_id] = str(state.get("value") or chosen.get("value") or "")
    return values, consented


def block_ids(view: dict[str, Any]) -> set[str]:
    """The ids of the view's blocks (Slack accepts errors only for those)."""
    return {b["block_id"] for b in view.get("blocks") or [] if "block_id" in b}
