"""Keys repeated in a JSON body: `{"phone": "…66", "phone": "…67"}` is valid JSON that Python (and so
FastAPI) reads keeping the last value in silence; intake refuses it instead (FIELD_REPEATED, naming the
key's path, e.g. `applicant.phone`), as Open311 does, so it never has to guess which value was meant.

The route keeps its body model (FastAPI reads and validates the body and the OpenAPI document describes
it) and adds `RepeatedKeys` as a dependency: it reads the same bytes FastAPI has read already (the
request caches them; no other read, no other limit) once more with an object_pairs_hook.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request

from intake.domain.problems import FIELD_NAME_SHOWN_MAX, UNKNOWN_FIELDS_SHOWN, ValidationProblem, field_label

REPEATED_TR = "{label} alanı birden fazla kez gönderildi; her alan yalnızca bir kez gönderilebilir."


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


def repeated_problems(raw: bytes | str) -> list[ValidationProblem]:
    """Returns FIELD_REPEATED for each repeated key (the first UNKNOWN_FIELDS_SHOWN, each path cut to
    FIELD_NAME_SHOWN_MAX characters: it is input), with its Turkish message."""
    shown = [path[:FIELD_NAME_SHOWN_MAX] for path in repeated_keys(raw)[:UNKNOWN_FIELDS_SHOWN]]
    return [
        ValidationProblem("FIELD_REPEATED", path, REPEATED_TR.format(label=field_label(path)))
        for path in shown
    ]


async def _repeated_in_body(request: Request) -> list[ValidationProblem]:
    return repeated_problems(await request.body())


# A route's parameter: the FIELD_REPEATED problems of its JSON body (none when it has no repeated key).
RepeatedKeys = Annotated[list[ValidationProblem], Depends(_repeated_in_body)]
