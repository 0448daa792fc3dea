"""FastAPI dependencies for staff endpoints: who calls (401 without a valid token), with which role (403).

A service's composition root calls install(app, validator) once; a route then takes
`identity: Annotated[StaffIdentity, Depends(requires(Role.SUPERVISOR))]` (or staff_identity for any
member of staff) and, for one case, calls require_action_on(identity, institution) from the pure rules:
its Forbidden becomes a 403 too. A request whose method is not safe (RFC 9110 §9.2.1: not GET, HEAD,
OPTIONS or TRACE) is a write: an identity with read roles only (the auditor) is refused it as
read_only, any other without the roles as role_required. Each refusal is logged as
`staff_access_refused` with its code, the method, the route's path template and the roles it needed:
never the token, the subject, a name or the path's values (an application number is personal data).
The answer has the one error shape of acikkapi_shared.http_errors: `{"error": {"code", "message",
"field": null}}`. These checks come before the body: FastAPI parses a JSON body before it runs the
dependencies, so a body it cannot read has the route's staff checks run first (install() makes them
the gate of acikkapi_shared.http_errors' unreadable-body answer); a caller they admit gets the 400.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import cast
from weakref import WeakSet

import structlog
from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from acikkapi_shared.http_errors import error_answer, gate_unreadable_bodies, route_template
from acikkapi_shared.staff.identity import Forbidden, Role, StaffIdentity, require_roles
from acikkapi_shared.staff.tokens import AuthFailure, TokenValidator, Unauthenticated

log = structlog.get_logger(__name__)

_STATE = "staff_tokens"
# The methods that change nothing (RFC 9110 §9.2.1); a staff request with any other is a write.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
StaffCheck = Callable[[Request], Awaitable["StaffIdentity"]]
# The dependencies that check a staff token (staff_identity and each of requires'), to run them first
# when the framework could not read a request's body.
_CHECKS: WeakSet[StaffCheck] = WeakSet()


class StaffAccessRefused(Exception):
    """A 401 or 403 answer, with what its log line records."""

    def __init__(self, error: Unauthenticated | Forbidden, required_roles: Iterable[Role] = ()) -> None:
        super().__init__(str(error))
        self.error = error
        self.required_roles = tuple(sorted(required_roles))


def install(app: FastAPI, validator: TokenValidator) -> None:
    """Makes the app's staff dependencies validate tokens with this validator and answer refusals."""
    setattr(app.state, _STATE, validator)
    app.add_exception_handler(StaffAccessRefused, _refused)
    app.add_exception_handler(Forbidden, _forbidden)
    gate_unreadable_bodies(app, _refused_before_body)


async def staff_identity(request: Request) -> StaffIdentity:
    """The caller's identity from `Authorization: Bearer <token>`; 401 when it has none."""
    return await _authenticate(request, ())


_CHECKS.add(staff_identity)


def requires(*roles: Role) -> StaffCheck:
    """A dependency: the caller's identity when it holds at least one of the roles; 401, else 403
    (read_only for the auditor's write, role_required otherwise)."""
    if not roles:
        raise ValueError("requires needs at least one role")

    async def identity_with_role(request: Request) -> StaffIdentity:
        identity = await _authenticate(request, roles)
        try:
            require_roles(identity, *roles, write=request.method not in SAFE_METHODS)
        except Forbidden as refused:
            raise StaffAccessRefused(refused, roles) from None
        return identity

    _CHECKS.add(identity_with_role)
    return identity_with_role


async def _refused_before_body(request: Request) -> JSONResponse | None:
    """The refusal the route's staff checks give (401, 403), else None. FastAPI reads the body before
    it runs a route's dependencies: a body it cannot read must not tell a caller without the right
    token more than the token's refusal (nor be answered before it)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return None
    for check in _staff_checks(route.dependant):
        try:
            await check(request)
        except StaffAccessRefused as refused:
            return await _refused(request, refused)
    return None


def _staff_checks(dependant: Dependant) -> Iterator[StaffCheck]:
    for dependency in dependant.dependencies:
        if dependency.call in _CHECKS:
            yield cast(StaffCheck, dependency.call)
        yield from _staff_checks(dependency)


async def _authenticate(request: Request, roles: tuple[Role, ...]) -> StaffIdentity:
    validator = getattr(request.app.state, _STATE, None)
    if not isinstance(validator, TokenValidator):
        raise RuntimeError("staff.http.install(app, validator) was not called for this app")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    try:
        if scheme and scheme.lower() != "bearer":  # Basic…: not a staff token
            raise Unauthenticated(AuthFailure.MALFORMED)
        return await validator.identity(token.strip() or None)
    except Unauthenticated as refused:
        raise StaffAccessRefused(refused, roles) from None


async def _refused(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StaffAccessRefused)
    return _answer(request, exc.error, exc.required_roles)


async def _forbidden(request: Request, exc: Exception) -> JSONResponse:
    # A route's own check (require_action_on…) raised it.
    assert isinstance(exc, Forbidden)
    return _answer(request, exc, exc.required_roles)


def _answer(request: Request, error: Unauthenticated | Forbidden, roles: tuple[Role, ...]) -> JSONResponse:
    status = 401 if isinstance(error, Unauthenticated) else 403
    code = error.reason.value if isinstance(error, Unauthenticated) else error.code.value
    log.warning(
        "staff_access_refused",
        status=status,
        code=code,
        method=request.method,
        route=route_template(request),
        required_roles=[role.value for role in roles],
    )
    headers = {"WWW-Authenticate": _challenge(error)} if isinstance(error, Unauthenticated) else None
    return error_answer(status, code, error.message_tr, headers=headers)


def _challenge(error: Unauthenticated) -> str:
    # RFC 6750 §3: no error attribute when the request had no token at all.
    if error.reason is AuthFailure.MISSING:
        return "Bearer"
    return 'Bearer error="invalid_token"'
