"""`acikkapi staff`: users added and listed, their tokens accepted by the services' validator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from acikkapi_cli.main import main
from acikkapi_shared.staff.identity import Role, StaffIdentity
from acikkapi_shared.staff.settings import StaffSettings, build_validator
from acikkapi_shared.staff.tokens import AuthFailure, Unauthenticated


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def test_add_list_and_a_token_the_services_accept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACIKKAPI_STAFF_DIR", str(tmp_path))
    add = ["staff", "add", "mehmet", "--name", "Mehmet Çelik", "--role", "institution_officer"]
    assert run(capsys, *add, "--institution", "IL_OZEL_IDARE")[0] == 0
    code, out, _ = run(capsys, "staff", "add", "ayse", "--name", "Ayşe Yılmaz", "--role", "office_officer")
    assert code == 0 and out.startswith("added ayse")
    code, out, _ = run(capsys, "staff", "add", "ayse", "--name", "Ayşe Yılmaz", "--role", "supervisor")
    assert code == 0 and out.startswith("updated ayse")

    code, out, _ = run(capsys, "staff", "list", "--json")
    assert code == 0
    assert json.loads(out) == [
        {"subject": "ayse", "display_name": "Ayşe Yılmaz", "roles": ["supervisor"], "institution": None},
        {
            "subject": "mehmet",
            "display_name": "Mehmet Çelik",
            "roles": ["institution_officer"],
            "institution": "IL_OZEL_IDARE",
        },
    ]
    assert "mehmet\tMehmet Çelik\tinstitution_officer\tIL_OZEL_IDARE" in run(capsys, "staff", "list")[1]

    code, out, _ = run(capsys, "staff", "token", "mehmet", "--hours", "1")
    assert code == 0
    validator = build_validator(StaffSettings(jwks_file=tmp_path / "jwks.json"))
    identity = await validator.identity(out.strip())
    assert identity == StaffIdentity("mehmet", frozenset({Role.INSTITUTION_OFFICER}), "IL_OZEL_IDARE")

    code, out, _ = run(capsys, "staff", "keys")
    path, _, document = out.partition("\n")
    assert code == 0 and Path(path) == (tmp_path / "jwks.json").resolve()
    assert json.loads(document)["keys"][0]["alg"] == "EdDSA"


async def test_a_token_for_another_audience_is_refused_by_the_services(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACIKKAPI_STAFF_AUDIENCE", "another-app")
    run(capsys, "staff", "add", "ayse", "--name", "Ayşe", "--role", "auditor", "--staff-dir", str(tmp_path))
    code, out, _ = run(capsys, "staff", "token", "ayse", "--staff-dir", str(tmp_path))
    assert code == 0
    with pytest.raises(Unauthenticated) as refused:
        await build_validator(StaffSettings(jwks_file=tmp_path / "jwks.json", audience="acikkapi")).identity(
            out.strip()
        )
    assert refused.value.reason is AuthFailure.WRONG_AUDIENCE


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--role", "institution_officer"], "exactly one institution"),
        (["--role", "institution_officer", "--institution", "NOWHERE"], "unknown institution code 'NOWHERE'"),
        (["--role", "supervisor", "--institution", "IL_OZEL_IDARE"], "only an institution_officer"),
    ],
    ids=["officer without institution", "unknown institution", "office role with institution"],
)
def test_a_user_no_identity_can_be_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, "staff", "add", "u", "--name", "U", *argv, "--staff-dir", str(tmp_path))
    assert code == 2 and message in err
    assert not (tmp_path / "users.json").exists()


def test_a_token_for_an_unknown_user_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "staff", "token", "nobody", "--staff-dir", str(tmp_path))
    assert code == 1 and out == "" and "no staff user 'nobody'" in err
