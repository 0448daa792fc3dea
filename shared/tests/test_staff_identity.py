"""The pure authorisation rules: who may see and change the cases of which institution."""

from __future__ import annotations

import pytest

from acikkapi_shared.staff.identity import (
    Forbidden,
    ForbiddenCode,
    InvalidIdentity,
    Role,
    StaffIdentity,
    may_act_on,
    may_read,
    require_action_on,
    require_read,
    require_roles,
)

OFFICER = StaffIdentity("u-1", frozenset({Role.INSTITUTION_OFFICER}), "IL_OZEL_IDARE")
OFFICE = StaffIdentity("u-2", frozenset({Role.OFFICE_OFFICER}))
REVIEWER = StaffIdentity("u-3", frozenset({Role.OFFICE_REVIEWER}))
SUPERVISOR = StaffIdentity("u-4", frozenset({Role.SUPERVISOR}))
AUDITOR = StaffIdentity("u-5", frozenset({Role.AUDITOR}))


@pytest.mark.parametrize(
    ("identity", "own", "other", "read_other"),
    [
        (OFFICER, True, False, False),
        (OFFICE, True, True, True),
        (REVIEWER, True, True, True),
        (SUPERVISOR, True, True, True),
        (AUDITOR, False, False, True),
    ],
    ids=["institution officer", "office officer", "office reviewer", "supervisor", "auditor"],
)
def test_each_role_acts_on_its_scope(
    identity: StaffIdentity, own: bool, other: bool, read_other: bool
) -> None:
    assert may_act_on(identity, "IL_OZEL_IDARE") is own
    assert may_act_on(identity, "BELEDIYE_KARS") is other
    assert may_read(identity, "IL_OZEL_IDARE") is True
    assert may_read(identity, "BELEDIYE_KARS") is read_other


def test_an_institution_officer_belongs_to_exactly_one_institution() -> None:
    with pytest.raises(InvalidIdentity):
        StaffIdentity("u", frozenset({Role.INSTITUTION_OFFICER}))
    with pytest.raises(InvalidIdentity):
        StaffIdentity("u", frozenset({Role.INSTITUTION_OFFICER}), "")
    with pytest.raises(InvalidIdentity):  # an office role too would reach every institution
        StaffIdentity("u", frozenset({Role.INSTITUTION_OFFICER, Role.SUPERVISOR}), "IL_OZEL_IDARE")


def test_other_roles_belong_to_no_institution_and_every_identity_has_a_subject_and_a_role() -> None:
    with pytest.raises(InvalidIdentity):
        StaffIdentity("u", frozenset({Role.OFFICE_OFFICER}), "IL_OZEL_IDARE")
    with pytest.raises(InvalidIdentity):
        StaffIdentity("u", frozenset())
    with pytest.raises(InvalidIdentity):
        StaffIdentity(" ", frozenset({Role.AUDITOR}))


def test_require_roles_raises_a_stable_code_and_a_turkish_message() -> None:
    require_roles(SUPERVISOR, Role.OFFICE_OFFICER, Role.SUPERVISOR)
    with pytest.raises(Forbidden) as refused:
        require_roles(OFFICER, Role.SUPERVISOR, Role.OFFICE_OFFICER)
    assert refused.value.code is ForbiddenCode.ROLE_REQUIRED
    assert refused.value.message_tr == "Bu işlem için yetkiniz yok."
    assert refused.value.required_roles == (Role.OFFICE_OFFICER, Role.SUPERVISOR)
    with pytest.raises(ValueError):
        require_roles(SUPERVISOR)


def test_a_write_refused_to_the_auditor_is_read_only_and_to_any_other_role_role_required() -> None:
    with pytest.raises(Forbidden) as auditor:
        require_roles(AUDITOR, Role.OFFICE_OFFICER, Role.SUPERVISOR, write=True)
    assert auditor.value.code is ForbiddenCode.READ_ONLY
    assert auditor.value.message_tr == "Denetçi rolü yalnızca görüntüleyebilir; değişiklik yapamaz."
    assert auditor.value.required_roles == (Role.OFFICE_OFFICER, Role.SUPERVISOR)
    # A role that may write something, only not this: role_required, with or without the auditor's.
    reviewing_auditor = StaffIdentity("u-6", frozenset({Role.AUDITOR, Role.OFFICE_REVIEWER}))
    for identity in (OFFICER, REVIEWER, reviewing_auditor):
        with pytest.raises(Forbidden) as other:
            require_roles(identity, Role.OFFICE_OFFICER, Role.SUPERVISOR, write=True)
        assert other.value.code is ForbiddenCode.ROLE_REQUIRED
    # A read the auditor may not make is no question of writing.
    with pytest.raises(Forbidden) as reading:
        require_roles(AUDITOR, Role.SUPERVISOR)
    assert reading.value.code is ForbiddenCode.ROLE_REQUIRED
    assert AUDITOR.reads_only and not reviewing_auditor.reads_only and not OFFICER.reads_only


def test_require_action_on_tells_an_auditor_from_an_officer_of_another_institution() -> None:
    require_action_on(OFFICER, "IL_OZEL_IDARE")
    with pytest.raises(Forbidden) as other:
        require_action_on(OFFICER, "BELEDIYE_KARS")
    assert other.value.code is ForbiddenCode.OTHER_INSTITUTION
    with pytest.raises(Forbidden) as auditor:
        require_action_on(AUDITOR, "IL_OZEL_IDARE")
    assert auditor.value.code is ForbiddenCode.READ_ONLY
    require_read(AUDITOR, "BELEDIYE_KARS")
    with pytest.raises(Forbidden):
        require_read(OFFICER, "BELEDIYE_KARS")


def test_an_identity_is_frozen() -> None:
    with pytest.raises(AttributeError):
        OFFICE.institution = "IL_OZEL_IDARE"  # type: ignore[misc]
