"""Staff identities, roles and the authorisation rules every service applies: pure, no I/O.

An identity comes from a validated bearer token (acikkapi_shared.staff.tokens); these rules decide what
it may do. The rules of an institution's scope: the office (officers, reviewers) and supervisors act on
the cases of every institution, an institution officer only on those of its own institution, and an
auditor reads everything and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

NOT_ALLOWED_TR = "Bu işlem için yetkiniz yok."
OTHER_INSTITUTION_TR = "Bu başvuru kurumunuza ait değil."
READ_ONLY_TR = "Denetçi rolü yalnızca görüntüleyebilir; değişiklik yapamaz."


class Role(StrEnum):
    """What a member of staff does; a token's `roles` claim lists these values."""

    INSTITUTION_OFFICER = "institution_officer"  # answers the cases of one institution
    OFFICE_OFFICER = "office_officer"  # the governorship's application office: routes and answers
    OFFICE_REVIEWER = "office_reviewer"  # the office's second pair of eyes: reviews answers
    SUPERVISOR = "supervisor"  # oversees the office and every institution
    AUDITOR = "auditor"  # reads everything, changes nothing (inspection, KVKK audits)


# The roles whose holders act on the cases of any institution.
ANY_INSTITUTION = frozenset({Role.OFFICE_OFFICER, Role.OFFICE_REVIEWER, Role.SUPERVISOR})
# The roles that only read: an identity holding none but these may change nothing.
READ_ROLES = frozenset({Role.AUDITOR})


class ForbiddenCode(StrEnum):
    """Why an authenticated identity was refused (HTTP 403); stable, for clients and logs."""

    ROLE_REQUIRED = "role_required"
    OTHER_INSTITUTION = "other_institution"
    READ_ONLY = "read_only"


_MESSAGES_TR = {
    ForbiddenCode.ROLE_REQUIRED: NOT_ALLOWED_TR,
    ForbiddenCode.OTHER_INSTITUTION: OTHER_INSTITUTION_TR,
    ForbiddenCode.READ_ONLY: READ_ONLY_TR,
}


class Forbidden(Exception):
    """The identity is known but may not do this; `code` is stable, `message_tr` is for the user."""

    def __init__(self, code: ForbiddenCode, *, required_roles: Iterable[Role] = ()) -> None:
        super().__init__(code.value)
        self.code = code
        self.message_tr = _MESSAGES_TR[code]
        self.required_roles = tuple(sorted(required_roles))


class InvalidIdentity(ValueError):
    """A combination of subject, roles and institution that no member of staff can have."""


@dataclass(frozen=True, slots=True)
class StaffIdentity:
    """Who is calling: a subject id (the identity provider's, opaque), roles and, for an institution
    officer, the one institution (its reference-data code) it belongs to."""

    subject: str
    roles: frozenset[Role]
    institution: str | None = None

    def __post_init__(self) -> None:
        if not self.subject.strip():
            raise InvalidIdentity("a staff identity needs a subject")
        if not self.roles:
            raise InvalidIdentity("a staff identity needs at least one role")
        if Role.INSTITUTION_OFFICER in self.roles:
            # An officer of one institution with an office role too would act on every institution:
            # such a person gets two accounts, each with its own scope.
            if len(self.roles) > 1:
                raise InvalidIdentity("institution_officer cannot be combined with other roles")
            if not self.institution:
                raise InvalidIdentity("an institution_officer must belong to exactly one institution")
        elif self.institution is not None:
            raise InvalidIdentity("only an institution_officer belongs to an institution")

    def has_any(self, *roles: Role) -> bool:
        """Tells whether the identity holds at least one of these roles."""
        return not self.roles.isdisjoint(roles)

    @property
    def reads_only(self) -> bool:
        """Tells whether the identity holds read roles only (the auditor): it may change nothing."""
        return self.roles <= READ_ROLES


def may_read(identity: StaffIdentity, institution_code: str) -> bool:
    """Tells whether the identity may see a case of this institution."""
    if identity.has_any(*ANY_INSTITUTION, Role.AUDITOR):
        return True
    return identity.institution == institution_code


def may_act_on(identity: StaffIdentity, institution_code: str) -> bool:
    """Tells whether the identity may change a case of this institution (an auditor never may)."""
    if identity.has_any(*ANY_INSTITUTION):
        return True
    return Role.INSTITUTION_OFFICER in identity.roles and identity.institution == institution_code


def require_roles(identity: StaffIdentity, *roles: Role, write: bool = False) -> None:
    """Raises Forbidden unless the identity holds at least one of these roles: read_only when the
    request would change something (write) and the identity only reads (the auditor), else
    role_required."""
    if not roles:
        raise ValueError("require_roles needs at least one role")
    if not identity.has_any(*roles):
        code = ForbiddenCode.READ_ONLY if write and identity.reads_only else ForbiddenCode.ROLE_REQUIRED
        raise Forbidden(code, required_roles=roles)


def require_read(identity: StaffIdentity, institution_code: str) -> None:
    """Raises Forbidden (other_institution) unless the identity may see this institution's cases."""
    if not may_read(identity, institution_code):
        raise Forbidden(ForbiddenCode.OTHER_INSTITUTION)


def require_action_on(identity: StaffIdentity, institution_code: str) -> None:
    """Raises Forbidden unless the identity may change this institution's cases: read_only for an
    auditor, other_institution for an officer of another institution."""
    if may_act_on(identity, institution_code):
        return
    if identity.reads_only:
        raise Forbidden(ForbiddenCode.READ_ONLY)
    raise Forbidden(ForbiddenCode.OTHER_INSTITUTION)
