"""Parse the content in a separate process, so a reload never holds the bot's event loop.

libyaml and the checks run in a spawned child (no GIL shared with the bot; a hostile
file's memory goes away with the child). The child sends the Content back as small
pickled chunks, and the caller unpickles them one by one, so even taking in a big
content holds the GIL only for short moments.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Iterable

from faq.content import Content, ContentError, load_content
from faq.yamlsafe import DEFAULT_MAX_BYTES, Problem

log = logging.getLogger(__name__)
CHUNK = 500  # events or entries per pickled chunk


def _chunks(items: list, size: int = CHUNK) -> list[bytes]:
    return [pickle.dumps(items[i:i + size], pickle.HIGHEST_PROTOCOL) for i in range(0, len(items), size)]


def _load_in_child(paths: list[Path], max_bytes: int, check_duplicates: bool) -> tuple[list[bytes], list[bytes], tuple[str, ...], bytes]:
    content, problems = load_content(paths, max_bytes, check_duplicates)
    return (_chunks(list(content.events.items())), _chunks(list(content.entries.items())), content.files,
            pickle.dumps(problems, pickle.HIGHEST_PROTOCOL))


def load_content_in_subprocess(paths: Iterable[Path], max_bytes: int = DEFAULT_MAX_BYTES,
                               check_duplicates: bool = False) -> tuple[Content, list[Problem]]:
    """load_content() run in a spawned process; blocks the calling thread (not the GIL) meanwhile."""
    paths = list(paths)
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            events, entries, files, problems = pool.submit(_load_in_child, paths, max_bytes, check_duplicates).result()
        except BrokenProcessPool:  # the child died (out of memory, killed)
            log.error("the content loader process died reading %s", ", ".join(map(str, paths)))
            where = str(paths[0]) if paths else "."
            return Content({}, {}), [Problem(where, 1, "reading the content failed (the loader ran out of memory "
                                                       "or was stopped); check the files with 'eventbot faq check'")]
    content = Content({}, {}, files)
    for chunk in events:  # one short unpickling at a time: the event loop gets the GIL in between
        content.events.update(pickle.loads(chunk))
    for chunk in entries:
        content.entries.update(pickle.loads(chunk))
    return content, pickle.loads(problems)


def load_or_raise_in_subprocess(paths: Iterable[Path], max_bytes: int = DEFAULT_MAX_BYTES) -> Content:
    """load_or_raise() in a spawned process: any error refuses the whole content (ContentError)."""
    content, problems = load_content_in_subprocess(paths, max_bytes)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ContentError(errors)
    return content
