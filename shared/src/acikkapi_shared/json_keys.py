"""Keys repeated in a JSON body: `{"answer": "…", "answer": "x"}` is valid JSON that Python (and so
FastAPI) reads keeping the last value in silence. The services refuse it instead (FIELD_REPEATED,
naming the key's path, e.g. `applicant.phone`), so they never have to guess which value was meant;
this module only finds them (each service words its own refusal).
"""

from __future__ import annotations

import json
from typing import Any


class _Object(dict[str, Any]):
    """A JSON object as read (each key where it first came, with its last value), and the keys it was
    given more than once."""

    repeated: frozenset[str] = frozenset()


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    read = _Object()
    repeated: set[str] = set()
    for key, value in pairs:
        if key in read:
            repeated.add(key)
        read[key] = value
    read.repeated = frozenset(repeated)
    return read


def repeated_keys(raw: bytes | str) -> list[str]:
    """Returns the path of every key repeated in an object of the JSON document (`applicant.phone`,
    `attachments[0].url`), in document order; none when it is not JSON (that is the reader's to say)."""
    try:
        document = json.loads(raw, object_pairs_hook=_object)
    except (ValueError, RecursionError):  # not UTF-8 or not JSON (JSONDecodeError is a ValueError)
        return []
    found: list[str] = []
    # A stack of (path, value, repeated: the path is a repeated key's): any depth the parser took.
    pending: list[tuple[str, object, bool]] = [("", document, False)]
    while pending:
        path, value, repeated = pending.pop()
        if repeated:
            found.append(path)
            continue
        children: list[tuple[str, object, bool]] = []
        if isinstance(value, _Object):
            for key, child in value.items():  # each key where it first came
                if key in value.repeated:
                    children.append((f"{path}{key}", None, True))
                children.append((f"{path}{key}.", child, False))
        elif isinstance(value, list):
            at = path.removesuffix(".")
            children = [(f"{at}[{index}].", child, False) for index, child in enumerate(value)]
        pending.extend(reversed(children))
    return found
