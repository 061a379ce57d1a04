"""Load admin-edited YAML safely, keeping line numbers for error messages.

Scalars follow YAML 1.2 where 1.1 surprises people: `yes`, `no`, `on`, `off`
stay text (so `no:` is Norwegian, not False), and mapping keys are always text.
The file is size-checked before it is read, composed into a node tree by libyaml
(no Python objects are ever constructed from tags), and converted to plain data
with a budget on nodes, so alias bombs ("billion laughs") stop long before they
expand in memory. Mappings and lists remember the line of each key and item.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from faq.yaml_hints import hint

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp",
}
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_NODES = 500_000
DEFAULT_MAX_ALIASES = 200
MAX_DEPTH = 50
MAX_INDENT = 200


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a content file, printed as `file:line: message`."""

    file: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.file}:{self.line}: {prefix}{self.message}"


class YamlError(Exception):
    """A file that cannot be loaded; carries its problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class LineDict(dict):
    """A dict that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """The line of key, or of the mapping itself when the key is absent."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A list that remembers its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]


class _Converter:
    def __init__(self, file: str, max_nodes: int, max_aliases: int) -> None:
        self.file = file
        self.budget = max_nodes
        self.max_aliases = max_aliases
        self.aliases = 0
        self.seen: set[int] = set()
        self.constructor = yaml.SafeLoader("")

    def fail(self, node: yaml.Node, message: str) -> YamlError:
        return YamlError(Problem(self.file, node.start_mark.line + 1, message))

    def convert(self, node: yaml.Node) -> Any:
        self.budget -= 1
        if id(node) in self.seen and not isinstance(node, yaml.ScalarNode):
            self.aliases += 1
            if self.aliases > self.max_aliases:
                raise self.fail(node, f"too many aliases (more than {self.max_aliases}); refusing to expand them")
        self.seen.add(id(node))
        if self.budget < 0:
            raise self.fail(node, "document expands to too many values (alias bomb?); refusing to load it")
        if isinstance(node, yaml.ScalarNode):
            if node.tag not in _SCALAR_TAGS:
                raise self.fail(node, f"unsupported YAML tag {node.tag!r}")
            if node.tag == "tag:yaml.org,2002:str":
                return node.value
            if node.tag == "tag:yaml.org,2002:bool" and node.value.lower() not in ("true", "false"):
                return node.value  # YAML 1.2: yes/no/on/off are text (and `no` is Norwegian)
            try:
                return self.constructor.construct_object(node, deep=True)
            except ValueError:  # e.g. 2026-13-01 looks like a timestamp but is no date: the checker says so
                return node.value
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                raise self.fail(node, f"unsupported YAML tag {node.tag!r}")
            out = LineList()
            out.line = node.start_mark.line + 1
            out.item_lines = []
            for item in node.value:
                out.append(self.convert(item))
                out.item_lines.append(item.start_mark.line + 1)
            return out
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                raise self.fail(node, f"unsupported YAML tag {node.tag!r}")
            mapping = LineDict()
            mapping.line = node.start_mark.line + 1
            mapping.key_lines = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self.fail(key_node, "merge keys ('<<') are not supported")
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.fail(key_node, "mapping keys must be plain text")
                if key_node.tag not in _SCALAR_TAGS:
                    raise self.fail(key_node, f"unsupported YAML tag {key_node.tag!r}")
                self.budget -= 1
                key = key_node.value
                if key in mapping:
                    raise self.fail(key_node, f"duplicate key {key!r}")
                mapping[key] = self.convert(value_node)
                mapping.key_lines[key] = key_node.start_mark.line + 1
            return mapping
        raise self.fail(node, "unsupported YAML node")


_DEEP_INDENT = re.compile(rf"^ {{{MAX_INDENT + 1}}}", re.MULTILINE)


def _check_indent(text: str, file: str) -> None:
    """Refuse lines indented deeper than MAX_INDENT spaces (a regular expression: fast on any size)."""
    match = _DEEP_INDENT.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        raise YamlError(Problem(file, line, f"nesting is deeper than {MAX_INDENT} spaces of indentation"))


def _count_nodes(text: str, file: str, max_nodes: int) -> None:
    """Walk libyaml's event stream (no tree is built) and stop at MAX_DEPTH or max_nodes.

    libyaml's parser keeps its own stack, so deep nesting is refused here before the
    (recursive) composer sees it, and a huge one-line flow list costs only the events
    up to the limit, not a node tree of the whole file.
    """
    parser = _Loader(text)
    nodes = depth = 0
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlError(Problem(file, event.start_mark.line + 1, f"nesting is deeper than {MAX_DEPTH} levels"))
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                continue
            elif not isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
                continue
            nodes += 1
            if nodes > max_nodes:
                raise YamlError(Problem(file, event.start_mark.line + 1, f"too many values (more than {max_nodes}); "
                                                                         "refusing to load it (split it into smaller files)"))
    finally:
        parser.dispose()


def load_text(text: str, file: str, max_nodes: int = DEFAULT_MAX_NODES, max_aliases: int = DEFAULT_MAX_ALIASES) -> Any:
    """Parse YAML text into plain data with line numbers; raises YamlError."""
    _check_indent(text, file)
    try:
        _count_nodes(text, file, max_nodes)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        line, advice = hint(exc, text.splitlines())
        raise YamlError(Problem(file, line, f"YAML syntax error: {advice} ({exc.problem or exc.context})")) from None
    except yaml.YAMLError as exc:
        raise YamlError(Problem(file, 1, f"YAML error: {exc}")) from None
    if node is None:
        return None
    return _Converter(file, max_nodes, max_aliases).convert(node)


def load_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, max_nodes: int = DEFAULT_MAX_NODES,
              *, regular_only: bool = False) -> Any:
    """Read and parse one YAML file, refusing oversize files before reading them.

    With regular_only, anything but a regular file (a FIFO, a device) is refused
    without blocking on it: it is opened non-blocking and checked once open.
    """
    name = str(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise YamlError(Problem(name, 1, f"cannot read file: {exc.strerror}")) from None
    if regular_only and not stat.S_ISREG(info.st_mode):
        raise YamlError(Problem(name, 1, "is not a regular file; it is not read"))
    if info.st_size > max_bytes:
        raise YamlError(Problem(name, 1, f"file is {info.st_size} bytes, over the limit of {max_bytes} bytes"))
    try:
        flags = os.O_RDONLY | (os.O_NONBLOCK if regular_only else 0)
        with os.fdopen(os.open(path, flags), "rb") as fh:
            if regular_only and not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise YamlError(Problem(name, 1, "is not a regular file; it is not read"))
            raw = fh.read(max_bytes + 1)
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise YamlError(Problem(name, 1, f"cannot read file: {exc.strerror}")) from None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlError(Problem(name, line, "file is not valid UTF-8 text")) from None
    return load_text(text, name, max_nodes)
