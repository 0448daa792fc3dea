"""`acikkapi route learn`: hand routings from the logs as examples, and what they would change."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from acikkapi_cli.main import main
from acikkapi_shared.clock import SystemClock
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.envelope import NewEvent
from acikkapi_shared.events.intake import Applicant, ApplicationRegistered
from acikkapi_shared.events.router import CaseRouted, CaseRoutedByHand
from acikkapi_shared.eventstore.database import create_engine, migrate
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from router import learn_command
from router.domain.combined import Router
from router.domain.petition import petition_of
from router.learning import read_examples
from router.training import DATA_DIR, META_RESOURCE, MODEL_RESOURCE, OFFICE_EXAMPLES, TESTS_DATA

AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
# (application number, district, topic, text, what the router decided, the office's decisions in order,
# where the petition is: the router's own PetitionRecorded, only intake's registration (a case routed
# before the router kept petitions), or nowhere)
CASES = [
    (
        "2026-000001-A",
        "MERKEZ",
        "DIGER",
        "Mahallede gece bağıran gençler var.",
        "ACIKKAPI",
        ["EMNIYET"],
        "router",
    ),
    (
        "2026-000002-B",
        "SELIM",
        "DIGER",
        "Köprünün altı çöp doldu.",
        "BELEDIYE_SELIM",
        ["IL_OZEL_IDARE", "DSI"],
        "intake",
    ),
    ("2026-000003-C", "SUSUZ", "DIGER", "Bu başvurunun metni hiçbir yerde yok.", "ACIKKAPI", ["TARIM"], ""),
    (
        "2026-000004-D",
        "MERKEZ",
        "VALILIK_HIZMETLERI",
        "Bir sorunum var, lütfen yardım edin.",
        "ACIKKAPI",
        ["EMNIYET"],
        "router",
    ),
]
# The office routed these by hand saying their words could not tell (it had to phone the applicant).
UNCLEAR = {"2026-000004-D"}


def registered(number: str, district: str, topic: str, text: str) -> ApplicationRegistered:
    return ApplicationRegistered(
        application_number=number,
        tracking_code="K7QX-9M2D-WR4T",
        submission_id=f"sub-{number}",
        channel="WEB",
        received_at=AT,
        topic=topic,
        type="SIKAYET",
        district=district,
        text=text,
        applicant=Applicant(name="Ayşe Yılmaz", phone="+905321234567"),
    )


async def record(data_dir: Path, service: str, events: list[tuple[str, EventPayload]]) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{data_dir / service}.db")
    store = SqlAlchemyEventStore(service, SystemClock())
    await migrate(engine)
    versions: dict[str, int] = {}
    async with engine.begin() as connection:
        for number, payload in events:
            stream = f"case:{number}"
            new = NewEvent(
                type=payload.TYPE,
                payload=payload.model_dump(mode="json"),
                correlation_id=number,
                occurred_at=AT,
            )
            await store.append(connection, stream, versions.get(stream, 0), [new])
            versions[stream] = versions.get(stream, 0) + 1
    await engine.dispose()


def write_logs(data_dir: Path) -> None:
    intake: list[tuple[str, EventPayload]] = []
    router: list[tuple[str, EventPayload]] = []
    for number, district, topic, text, routed, by_hand, kept in CASES:
        if kept == "intake":
            intake.append((number, registered(number, district, topic, text)))
        if kept == "router":
            router.append((number, petition_of(registered(number, district, topic, text))))
        router.append(
            (
                number,
                CaseRouted(
                    application_number=number,
                    institution=routed,
                    institution_name=routed,
                    rule="triage",
                    confidence=0.0,
                    matched=[],
                    table_version="2026.12.1",
                    received_at=AT,
                    model_version="m-old",
                ),
            )
        )
        previous = routed
        for institution in by_hand:
            router.append(
                (
                    number,
                    CaseRoutedByHand(
                        application_number=number,
                        institution=institution,
                        institution_name=institution,
                        previous_institution=previous,
                        reason="Konu bu kurumun görev alanında.",
                        unclear_from_text=number in UNCLEAR,
                    ),
                )
            )
            previous = institution
    asyncio.run(record(data_dir, "intake", intake))
    asyncio.run(record(data_dir, "router", router))


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    write_logs(data_dir)
    return data_dir


def model_files() -> dict[str, bytes]:
    return {name: (DATA_DIR / name).read_bytes() for name in (MODEL_RESOURCE, META_RESOURCE)}


def test_hand_routings_become_examples_with_the_petition_and_the_latest_decision(
    logs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    committed = model_files()
    # The comparison itself is the next test's: here the "retrained" router is the committed one.
    monkeypatch.setattr(learn_command, "retrained", lambda *args: (Router.load_default(), {}, b""))
    target = tmp_path / "examples.jsonl"
    assert main(["route", "learn", "--data-dir", str(logs), "--examples", str(target)]) == 0
    examples = read_examples(target)
    assert [(e.id, e.expected, e.routed_to, e.model_version, e.unclear_from_text) for e in examples] == [
        ("2026-000001-A", "EMNIYET", "ACIKKAPI", "m-old", False),
        ("2026-000002-B", "DSI", "BELEDIYE_SELIM", "m-old", False),  # the office's last word
        # Routed to EMNIYET, but the office said its words could not tell: an example for triage.
        ("2026-000004-D", "ACIKKAPI", "ACIKKAPI", "m-old", True),
    ]  # the third's petition is in neither log: nothing to learn from
    assert examples[0].text == CASES[0][3]
    assert (examples[1].district, examples[1].topic, examples[1].type) == ("SELIM", "DIGER", "SIKAYET")
    assert examples[2].as_example().expected == "ACIKKAPI"  # what the retrained model is taught
    assert target.stat().st_mode & 0o077 == 0  # citizens' texts: the owner's only
    (access,) = [json.loads(line) for line in (logs.parent / "logs" / "audit-access.jsonl").open()]
    # whose words were exported, and why
    assert access["identifier"] == "2026-000001-A, 2026-000002-B, 2026-000004-D"
    assert access["reason"].startswith("route learn: training examples") and access["user"]
    out = capsys.readouterr().out
    assert (
        f"3 hand routing(s) written as examples to {target}: 2 for the institution the office chose, "
        "1 unclear from the text (expected: triage)"
    ) in out
    assert "test part (236 petitions): now → retrained" in out
    assert "0 changed" in out
    assert "nothing changed" in out
    assert model_files() == committed


def test_an_examples_file_written_before_the_unclear_flag_still_reads(tmp_path: Path) -> None:
    older = tmp_path / "office_routings.jsonl"
    line = {
        "id": "2026-000001-A",
        "text": "Mahallede gece bağıran gençler var.",
        "topic": "DIGER",
        "type": "SIKAYET",
        "district": "MERKEZ",
        "expected": "EMNIYET",
        "routed_to": "ACIKKAPI",
        "rule": "triage",
        "model_version": "m-old",
        "set": "office",
    }
    older.write_text(json.dumps(line, ensure_ascii=False) + "\n", "utf-8")
    (example,) = read_examples(older)
    assert (example.expected, example.unclear_from_text) == ("EMNIYET", False)


def test_an_empty_log_has_nothing_to_learn(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(record(tmp_path, "router", []))  # a router that ran and routed nothing by hand
    target = tmp_path / "examples.jsonl"
    assert main(["route", "learn", "--data-dir", str(tmp_path), "--examples", str(target)]) == 0
    assert target.read_text("utf-8") == ""
    assert "nothing to learn from" in capsys.readouterr().out


def test_a_folder_without_the_routers_database_is_said_so_and_left_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mistyped = tmp_path / "var" / "dta"
    assert main(["route", "learn", "--data-dir", str(mistyped)]) == 2
    assert "no router database at" in capsys.readouterr().err
    assert not mistyped.exists()


def test_the_examples_file_is_the_owners_only_and_never_written_through_a_link(
    logs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(learn_command, "retrained", lambda *args: (Router.load_default(), {}, b""))
    opened = tmp_path / "examples.jsonl"
    opened.write_text("eski\n", "utf-8")
    opened.chmod(0o644)  # made readable to others since
    assert main(["route", "learn", "--data-dir", str(logs), "--examples", str(opened)]) == 0
    assert opened.stat().st_mode & 0o077 == 0 and len(read_examples(opened)) == 3
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("başka bir dosya\n", "utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(elsewhere)
    assert main(["route", "learn", "--data-dir", str(logs), "--examples", str(link)]) == 2
    assert "is a link or a folder" in capsys.readouterr().err
    assert elsewhere.read_text("utf-8") == "başka bir dosya\n"
    assert main(["route", "learn", "--data-dir", str(logs), "--examples", str(tmp_path)]) == 2


def test_a_proposed_table_is_never_written(tmp_path: Path) -> None:
    table = tmp_path / "t.yaml"
    table.write_text("version: x\n", "utf-8")
    with pytest.raises(SystemExit) as refused:  # what --table shows is not what --write would write
        main(["route", "learn", "--table", str(table), "--write"])
    assert refused.value.code == 2


def test_write_retrains_with_the_examples_and_shows_what_changes(
    logs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    committed = model_files()
    training, model = tmp_path / "training", tmp_path / "model"
    shutil.copytree(TESTS_DATA, training, ignore=shutil.ignore_patterns("*.py", "_batches*", "*.md"))
    model.mkdir()
    monkeypatch.setattr(learn_command, "TRAINING_DATA", training)
    monkeypatch.setattr(learn_command, "MODEL_DIR", model)
    target = tmp_path / "examples.jsonl"
    assert main(["route", "learn", "--data-dir", str(logs), "--examples", str(target), "--write"]) == 0
    office = [json.loads(line) for line in (training / OFFICE_EXAMPLES).read_text("utf-8").splitlines()]
    assert [(item["id"], item["expected"]) for item in office] == [
        ("2026-000001-A", "EMNIYET"),
        ("2026-000002-B", "DSI"),
        ("2026-000004-D", "ACIKKAPI"),  # the unclear one joins the training data labelled triage
    ]
    written = json.loads((model / META_RESOURCE).read_text("utf-8"))
    assert written["examples"] == json.loads(committed[META_RESOURCE])["examples"] + 3
    assert written["version"] != json.loads(committed[META_RESOURCE])["version"]
    out = capsys.readouterr().out
    assert f"model {written['version']} written" in out
    assert "clear petitions routed right:" in out
    assert model_files() == committed  # the bundled model is untouched: the test pointed --write elsewhere
