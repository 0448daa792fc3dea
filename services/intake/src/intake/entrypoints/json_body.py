"""Keys repeated in a JSON body: `{"phone": "…66", "phone": "…67"}` is valid JSON that Python (and so
FastAPI) reads keeping the last value in silence; intake refuses it instead (FIELD_REPEATED, naming the
key's path, e.g. `applicant.phone`, with its Turkish label), as Open311 does, so it never has to guess
which value was meant. acikkapi_shared.json_keys finds the repeated keys; the problems are intake's.

The route keeps its body model (FastAPI reads and validates the body and the OpenAPI document describes
it) and adds `RepeatedKeys` as a dependency: it reads the same bytes FastAPI has read already (the
request caches them; no other read, no other limit) once more with an object_pairs_hook.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from acikkapi_shared.json_keys import repeated_keys
from intake.domain.problems import FIELD_NAME_SHOWN_MAX, UNKNOWN_FIELDS_SHOWN, ValidationProblem, field_label

REPEATED_TR = "{label} alanı birden fazla kez gönderildi; her alan yalnızca bir kez gönderilebilir."


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
