"""What to do about a YAML syntax error, in words an admin who is no developer can act on.

libyaml says *what* it could not read ("mapping values are not allowed in this
context"); the hint says what usually causes that and how to fix it, looking at
the line itself ("text containing ': ' needs quotes").
"""

from __future__ import annotations

import re

import yaml

_SECRET = re.compile(r"token|secret|password|passwd|api_?key", re.IGNORECASE)
_KEY_VALUE = re.compile(r"^(\s*(?:-\s+)?[^\s:#][^:#]*?):\s+(.*)$")


def _quoted(line: str) -> str:
    """The line with its value in double quotes, as an example of the fix."""
    match = _KEY_VALUE.match(line)
    if not match or _SECRET.search(match.group(1)):  # never repeat what may be a token
        return ""
    value = match.group(2).strip().replace("\\", "\\\\").replace('"', '\\"')
    return f' (write: {match.group(1).strip()}: "{value}")'


def _value_of(line: str) -> str:
    match = _KEY_VALUE.match(line)
    return match.group(2).strip() if match else line.strip().lstrip("- ").strip()


def hint(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[int, str]:
    """The line to report (1-based) and a hint for the error exc in a file of lines."""
    mark = exc.problem_mark or exc.context_mark
    number = mark.line + 1 if mark else 1
    line = lines[number - 1] if 0 < number <= len(lines) else ""
    column = mark.column if mark else 0
    char = line[column] if column < len(line) else ""
    problem, context = exc.problem or "", exc.context or ""
    indent = line[: len(line) - len(line.lstrip())]
    if "\t" in indent or "tab" in problem or char == "\t":
        return number, "this line is indented with a tab: indent with spaces only"
    if "quoted scalar" in context and exc.context_mark is not None:
        start = exc.context_mark.line + 1
        return start, "a quote opened on this line is not closed: end the text with the same quote (\" or ')"
    if "flow" in context and exc.context_mark is not None and exc.context_mark.line + 1 != number:
        number = exc.context_mark.line + 1  # where the [ or { was opened
        line = lines[number - 1] if number <= len(lines) else ""
    value = _value_of(line)
    if "mapping values are not allowed" in problem:
        if ": " in value or value.endswith(":"):
            return number, "text containing ': ' needs quotes" + _quoted(line)
        return number, "this line is indented further than the line above: keys of one block must line up exactly"
    if "mapping keys are not allowed" in problem:
        return number, "text starting with '? ' needs quotes" + _quoted(line)
    if "cannot start any token" in problem and char in "@`":
        return number, f"text starting with {char} needs quotes" + _quoted(line)
    if "alias" in context or "alias" in problem or "anchor" in context or value[:1] in ("*", "&"):
        return number, "text starting with * or & needs quotes" + _quoted(line)
    if "flow sequence" in context or "flow mapping" in context or value[:1] in ("[", "{"):
        return number, ("text starting with [ or { needs quotes" + _quoted(line) +
                        "; a list is written [a, b] or as lines starting with '- '")
    if value[:1] in ("'", '"') and "expected key" in problem:
        return number, "text that starts with a quote must end with it: put the whole text in quotes" + \
            _quoted(line.replace(value, value.replace(value[0], ""), 1))
    if "block scalar" in context:
        return number, "after | or > the text starts on the next line, indented"
    if "directive" in context:
        return number, "a line starting with % needs quotes around the text"
    if "'-' indicator" in problem:
        return number, "the items of one list ('- ...') must line up exactly, with the same number of spaces"
    if "expected key" in problem or "block end" in problem:
        return number, "check the indentation here: keys of one block must line up exactly (same number of spaces)"
    return number, "if this line holds text with special characters, put the text in quotes"
