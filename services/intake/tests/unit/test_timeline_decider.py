"""The applicant's timeline and requests on intake's Application, given events / when a command / then
events: the case's own order whatever the arrival order, redelivery, never backwards, and what the
applicant may ask in each stage. No database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from acikkapi_shared.decider import CommandRejected, fold
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.intake import (
    ApplicantObjected,
    ApplicantSuppliedInformation,
    ApplicantWithdrew,
    ApplicationRegistered,
)
from acikkapi_shared.testing.in_process import decide_after
from intake.domain.application import (
    Application,
    ApplicationCommand,
    ObjectToConclusion,
    RecordDeadline,
    RecordNote,
    RecordStage,
    SupplyInformation,
    WithdrawApplication,
    applications,
)
from intake.domain.events import (
    ApplicationStageChanged,
    DeadlineRecorded,
    StageRecorded,
    TimelineNoted,
    TimelineNoteMoved,
)
from intake.domain.stages import Stage

NUMBER = "2026-000001-N"
AT = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)
DUE = datetime(2026, 6, 5, 20, 59, 59, tzinfo=UTC)
LATER_DUE = DUE + timedelta(days=3)
INSTITUTION = "BELEDIYE_KARS"


def registration() -> ApplicationRegistered:
    return ApplicationRegistered.model_validate(
        {
            "application_number": NUMBER,
            "tracking_code": "K7QX-9M2D-WR4T",
            "submission_id": "0b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10",
            "channel": "WEB",
            "received_at": AT,
            "topic": "YEREL_YONETIMLER",
            "type": "SIKAYET",
            "district": "MERKEZ",
            "text": "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik.",
            "applicant": {"name": "Ayşe Yılmaz", "phone": "+905321234567"},
        }
    )


def stage(version: int, event_type: str, to: Stage, **details: object) -> RecordStage:
    """The router's event of version `version` of the case (id r<version>)."""
    return RecordStage(
        source_event_id=f"r{version}",
        source_version=version,
        event_type=event_type,
        occurred_at=AT + timedelta(hours=version),
        stage=to,
        institution=str(details.pop("institution", INSTITUTION)),
        **details,  # type: ignore[arg-type]
    )


def clock(
    version: int, event_type: str, cause: int | None, due: datetime | None, **kw: object
) -> RecordDeadline:
    """The sla-monitor's event of version `version` of the case (id s<version>), after router's r<cause>."""
    return RecordDeadline(
        source_event_id=f"s{version}",
        source_version=version,
        event_type=event_type,
        occurred_at=AT + timedelta(hours=version),
        cause_event_id=None if cause is None else f"r{cause}",
        due_at=due,
        clock_paused=bool(kw.get("paused", False)),
        institution=kw.get("institution"),  # type: ignore[arg-type]
    )


ROUTED = stage(1, "CaseRouted", Stage.ROUTED)
DEADLINE = clock(1, "DeadlineSet", 1, DUE, institution=INSTITUTION)
ACKNOWLEDGED = stage(2, "CaseAcknowledged", Stage.IN_PROGRESS)
ASKED = stage(
    3, "InformationRequested", Stage.INFORMATION_REQUESTED, text="Adresiniz nedir?", request_number=1
)
PAUSED = clock(2, "ClocksPaused", 3, None, paused=True)
SUPPLIED = stage(4, "InformationSupplied", Stage.IN_PROGRESS, text="Kazım Karabekir Cd.", request_number=1)
RESUMED = clock(3, "ClocksResumed", 4, LATER_DUE)
ANSWERED = stage(5, "CaseAnswered", Stage.IN_REVIEW)
CONCLUDED = stage(6, "CaseConcluded", Stage.CONCLUDED, text="Arıza giderildi.", outcome="RESOLVED")
REOPENED = stage(7, "CaseReopened", Stage.REOPENED, text="Su yine kesik.")


class Stream:
    """One application's stream, fed commands as the translators and the HTTP API send them."""

    def __init__(self) -> None:
        self.events: list[EventPayload] = [registration()]

    def when(self, *commands: ApplicationCommand) -> list[EventPayload]:
        decided: list[EventPayload] = []
        for command in commands:
            new = decide_after(applications, NUMBER, self.events, command)
            self.events.extend(new)
            decided.extend(new)
        return decided

    @property
    def state(self) -> Application:
        return fold(applications, NUMBER, self.events)


def changes(events: Sequence[EventPayload]) -> list[tuple[str, datetime | None, bool]]:
    return [(e.stage, e.due_at, e.clock_paused) for e in events if isinstance(e, ApplicationStageChanged)]


def status(state: Application) -> tuple[str | None, str | None, datetime | None, bool]:
    return state.stage, state.institution, state.due_at, state.clock_paused


def test_routing_then_its_deadline_move_the_stage_then_add_the_due_moment() -> None:
    stream = Stream()
    routed = stream.when(ROUTED)
    assert [type(e) for e in routed] == [StageRecorded, ApplicationStageChanged]
    assert changes(routed) == [(Stage.ROUTED, None, False)]
    assert changes(stream.when(DEADLINE)) == [(Stage.ROUTED, DUE, False)]
    assert status(stream.state) == (Stage.ROUTED, INSTITUTION, DUE, False)


def test_the_deadline_first_tells_the_routing_and_the_stage_line_then_carries_its_due() -> None:
    stream = Stream()
    assert changes(stream.when(DEADLINE)) == [(Stage.ROUTED, DUE, False)]
    (line,) = stream.when(ROUTED)  # nothing the status does not already say
    assert isinstance(line, StageRecorded) and line.due_at == DUE and not line.late


def test_the_same_history_in_any_arrival_order_ends_in_the_same_status() -> None:
    router = [ROUTED, ACKNOWLEDGED, ASKED, SUPPLIED, ANSWERED]
    sla = [DEADLINE, PAUSED, RESUMED]
    in_order = Stream()
    in_order.when(ROUTED, DEADLINE, ACKNOWLEDGED, ASKED, PAUSED, SUPPLIED, RESUMED, ANSWERED)
    sla_first, router_first = Stream(), Stream()
    sla_first.when(*sla, *router)
    router_first.when(*router, *sla)
    expected = (Stage.IN_REVIEW, INSTITUTION, LATER_DUE, False)
    assert status(in_order.state) == status(sla_first.state) == status(router_first.state) == expected


def test_a_pause_hides_the_due_moment_until_the_clock_resumes() -> None:
    stream = Stream()
    stream.when(ROUTED, DEADLINE, ACKNOWLEDGED, ASKED)
    assert changes(stream.when(PAUSED)) == [(Stage.INFORMATION_REQUESTED, DUE, True)]
    stream.when(SUPPLIED)
    assert changes(stream.when(RESUMED)) == [(Stage.IN_PROGRESS, LATER_DUE, False)]


def test_an_older_router_event_is_recorded_late_and_never_moves_the_stage_back() -> None:
    stream = Stream()
    stream.when(ROUTED, ASKED)
    late = stream.when(ACKNOWLEDGED)
    assert [type(e) for e in late] == [StageRecorded]
    assert isinstance(late[0], StageRecorded) and late[0].late
    assert stream.state.stage == Stage.INFORMATION_REQUESTED and stream.state.router_version == 3


def test_an_older_clock_event_is_recorded_late_and_keeps_the_due_moment() -> None:
    stream = Stream()
    stream.when(ROUTED, DEADLINE, ASKED, SUPPLIED, RESUMED)
    (note,) = stream.when(PAUSED)
    assert isinstance(note, DeadlineRecorded) and note.late
    assert status(stream.state) == (Stage.IN_PROGRESS, INSTITUTION, LATER_DUE, False)


def test_a_redelivered_event_records_nothing() -> None:
    stream = Stream()
    stream.when(ROUTED, DEADLINE)
    assert stream.when(ROUTED) == [] and stream.when(DEADLINE) == []


def test_routing_to_the_office_is_triage() -> None:
    stream = Stream()
    stream.when(clock(1, "DeadlineSet", 1, DUE, institution="ACIKKAPI"))
    assert stream.state.stage == Stage.TRIAGE and stream.state.institution == "ACIKKAPI"


def test_an_event_about_an_unregistered_application_is_rejected() -> None:
    for command in (ROUTED, DEADLINE, WithdrawApplication()):
        with pytest.raises(CommandRejected) as rejected:
            decide_after(applications, NUMBER, [], command)
        assert rejected.value.code == "APPLICATION_UNKNOWN"


def test_a_stream_written_before_the_timeline_still_folds() -> None:
    old = ApplicationStageChanged.model_validate(
        {
            "application_number": NUMBER,
            "stage": "ROUTED",
            "institution": INSTITUTION,
            "due_at": DUE.isoformat(),
            "source_service": "sla-monitor",
            "source_event_id": "e1",
        }
    )
    state = fold(applications, NUMBER, [registration(), old])
    assert status(state) == ("ROUTED", INSTITUTION, DUE, False)
    assert changes(decide_after(applications, NUMBER, [registration(), old], ACKNOWLEDGED)) == [
        (Stage.IN_PROGRESS, DUE, False)
    ]


# The applicant's requests, in every stage they can meet.
HISTORIES: dict[str, list[ApplicationCommand]] = {
    Stage.REGISTERED: [],
    Stage.ROUTED: [ROUTED],
    Stage.IN_PROGRESS: [ROUTED, ACKNOWLEDGED],
    Stage.INFORMATION_REQUESTED: [ROUTED, ACKNOWLEDGED, ASKED],
    Stage.IN_REVIEW: [ROUTED, ACKNOWLEDGED, ANSWERED],
    Stage.CONCLUDED: [ROUTED, ACKNOWLEDGED, ANSWERED, CONCLUDED],
    Stage.REOPENED: [ROUTED, ACKNOWLEDGED, ANSWERED, CONCLUDED, REOPENED],
    Stage.WITHDRAWN: [ROUTED, stage(2, "CaseWithdrawn", Stage.WITHDRAWN)],
}
CLOSED_FOR_INFORMATION = {Stage.CONCLUDED: "APPLICATION_CONCLUDED", Stage.WITHDRAWN: "APPLICATION_WITHDRAWN"}
ACTIONS: dict[str, tuple[ApplicationCommand, type[EventPayload], frozenset[str]]] = {
    "information": (
        SupplyInformation("Kazım Karabekir Caddesi No 5"),
        ApplicantSuppliedInformation,
        frozenset({Stage.INFORMATION_REQUESTED}),
    ),
    "objection": (ObjectToConclusion("Su hâlâ kesik."), ApplicantObjected, frozenset({Stage.CONCLUDED})),
    "withdrawal": (
        WithdrawApplication(),
        ApplicantWithdrew,
        frozenset(HISTORIES) - {Stage.CONCLUDED, Stage.WITHDRAWN},
    ),
}


@pytest.mark.parametrize("at", list(HISTORIES))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_request_is_accepted_only_in_its_stages(at: str, action: str) -> None:
    stream = Stream()
    stream.when(*HISTORIES[at])
    assert stream.state.stage == at
    command, kind, allowed = ACTIONS[action]
    if at in allowed:
        (event,) = stream.when(command)
        assert isinstance(event, kind)
        with pytest.raises(CommandRejected) as again:  # once only
            stream.when(command)
        assert again.value.code.endswith(("ALREADY_SUPPLIED", "ALREADY_MADE", "ALREADY_REQUESTED"))
    else:
        with pytest.raises(CommandRejected) as refused:
            stream.when(command)
        answered = stream.state.supplied_request > 0  # information sent before: said so, while open
        expected = CLOSED_FOR_INFORMATION.get(at) or (
            "INFORMATION_ALREADY_SUPPLIED" if answered else "INFORMATION_NOT_REQUESTED"
        )
        assert refused.value.code.endswith("NOT_ALLOWED") or refused.value.code == expected
        assert refused.value.message_tr


@pytest.mark.parametrize("closing", [CONCLUDED, stage(6, "CaseWithdrawn", Stage.WITHDRAWN)])
def test_information_sent_once_the_case_is_closed_is_told_that_it_is_closed(closing: RecordStage) -> None:
    # Supplied earlier, then concluded (or withdrawn): "it will be passed on" would be untrue.
    stream = Stream()
    stream.when(*HISTORIES[Stage.INFORMATION_REQUESTED], SupplyInformation("Adres"), SUPPLIED, closing)
    with pytest.raises(CommandRejected) as refused:
        stream.when(SupplyInformation("Adres, bir daha"))
    assert refused.value.code == CLOSED_FOR_INFORMATION[closing.stage]
    assert refused.value.message_tr.endswith("artık bilgi gönderilemez.")


def test_supplied_information_answers_the_open_request_with_clean_text() -> None:
    stream = Stream()
    stream.when(*HISTORIES[Stage.INFORMATION_REQUESTED])
    (event,) = stream.when(SupplyInformation("  S\u0327ehit Kaz\u0131m Karabekir\u0000 Cd.\u200b \x07No 5 "))
    assert isinstance(event, ApplicantSuppliedInformation) and event.request_number == 1
    assert event.text == "Şehit Kazım Karabekir Cd. No 5"
    # the second request may be answered again
    stream.when(SUPPLIED, stage(5, "InformationRequested", Stage.INFORMATION_REQUESTED, request_number=2))
    (second,) = stream.when(SupplyInformation("Daire 3"))
    assert isinstance(second, ApplicantSuppliedInformation) and second.request_number == 2


def test_information_sent_from_a_second_tab_is_told_it_was_sent_already() -> None:
    # The first tab's answer reached the institution (the router moved the case on) before the second
    # was sent: "nothing was asked of you" would contradict the question on that page.
    stream = Stream()
    stream.when(*HISTORIES[Stage.INFORMATION_REQUESTED], SupplyInformation("Adres"), SUPPLIED)
    assert stream.state.stage == Stage.IN_PROGRESS
    with pytest.raises(CommandRejected) as refused:
        stream.when(SupplyInformation("Adres, bir daha"))
    assert refused.value.code == "INFORMATION_ALREADY_SUPPLIED"


@pytest.mark.parametrize(
    ("command", "code", "field"),
    [
        (SupplyInformation(" \u0000 "), "FIELD_MISSING", "text"),
        (SupplyInformation("x" * 4001), "TEXT_TOO_LONG", "text"),
        (ObjectToConclusion(""), "FIELD_MISSING", "reason"),
    ],
)
def test_an_empty_or_too_long_text_is_refused_in_turkish(
    command: ApplicationCommand, code: str, field: str
) -> None:
    stream = Stream()
    history = HISTORIES[
        Stage.CONCLUDED if isinstance(command, ObjectToConclusion) else Stage.INFORMATION_REQUESTED
    ]
    stream.when(*history)
    with pytest.raises(CommandRejected) as refused:
        stream.when(command)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert "boş bırakılamaz" in refused.value.message_tr or "en fazla 4000" in refused.value.message_tr


def test_an_objection_is_taken_once_per_conclusion() -> None:
    stream = Stream()
    stream.when(*HISTORIES[Stage.CONCLUDED], ObjectToConclusion("Su hâlâ kesik."))
    stream.when(
        REOPENED, stage(8, "CaseAnswered", Stage.IN_REVIEW), stage(9, "CaseConcluded", Stage.CONCLUDED)
    )
    (again,) = stream.when(ObjectToConclusion("Yine olmadı."))
    assert isinstance(again, ApplicantObjected)


def test_after_a_withdrawal_the_applicant_can_ask_nothing_more() -> None:
    stream = Stream()
    stream.when(*HISTORIES[Stage.INFORMATION_REQUESTED], WithdrawApplication("Sorun çözüldü."))
    with pytest.raises(CommandRejected) as refused:
        stream.when(SupplyInformation("Adres"))
    assert refused.value.code == "WITHDRAWAL_REQUESTED"


def test_information_once_the_router_withdrew_the_case_the_applicant_asked_to_withdraw() -> None:
    # Pending (the router has not withdrawn the case yet): WITHDRAWAL_REQUESTED; once the case is
    # WITHDRAWN, information is told the case is withdrawn, as for any closed case.
    stream = Stream()
    stream.when(*HISTORIES[Stage.INFORMATION_REQUESTED], WithdrawApplication("Sorun çözüldü."))
    stream.when(stage(4, "CaseWithdrawn", Stage.WITHDRAWN))
    assert (stream.state.stage, stream.state.withdrawal_requested) == (Stage.WITHDRAWN, True)
    with pytest.raises(CommandRejected) as refused:
        stream.when(SupplyInformation("Adres"))
    assert (refused.value.code, refused.value.message_tr) == (
        "APPLICATION_WITHDRAWN",
        "Başvurunuz geri çekildi; artık bilgi gönderilemez.",
    )
    with pytest.raises(CommandRejected) as objected:
        stream.when(ObjectToConclusion("Kabul etmiyorum."))
    assert objected.value.code == "WITHDRAWAL_REQUESTED"


# Lines that move no stage (timeline_notes.py): a request the router refused, a recomputed deadline,
# an SMS delivery report.


def recomputed(version: int, due: datetime | None, event_id: str | None = None) -> RecordDeadline:
    event_id = event_id or f"s{version}"
    return RecordDeadline(event_id, version, "DeadlinesRecomputed", AT, None, due, due is None)


def refused(request: str, event_id: str = "x1") -> RecordNote:
    details = {"request": request, "code": "ILLEGAL_TRANSITION", "message": "Şu anda yapılamaz."}
    return RecordNote(event_id, "ApplicantRequestRefused", AT + timedelta(hours=3), details)


def given_notes(*commands: ApplicationCommand) -> list[EventPayload]:
    events: list[EventPayload] = [registration()]
    for command in commands:
        events.extend(decide_after(applications, NUMBER, events, command))
    return events


def folded(events: Sequence[EventPayload]) -> Application:
    return fold(applications, NUMBER, list(events))


def test_a_refused_withdrawal_is_noted_once_after_its_stage_and_may_be_asked_again() -> None:
    events = given_notes(ROUTED, DEADLINE, WithdrawApplication("Vazgeçtim."))
    assert folded(events).withdrawal_requested
    (note,) = decide_after(applications, NUMBER, events, refused("WITHDRAWAL"))
    assert isinstance(note, TimelineNoted)
    assert (note.position, note.stage, note.institution, note.details["request"]) == (
        1,
        Stage.ROUTED,
        "BELEDIYE_KARS",
        "WITHDRAWAL",
    )
    after = [*events, note]
    assert not folded(after).withdrawal_requested
    assert (folded(after).stage, folded(after).due_at) == (Stage.ROUTED, DUE)  # the note moves nothing
    assert decide_after(applications, NUMBER, after, refused("WITHDRAWAL")) == []  # redelivered
    assert decide_after(applications, NUMBER, after, WithdrawApplication())  # asked again


def test_a_recomputed_deadline_moves_the_due_moment_and_adds_its_line() -> None:
    later = DUE + timedelta(days=2)
    events = given_notes(ROUTED, DEADLINE)
    decided = decide_after(applications, NUMBER, events, recomputed(2, later))
    notes = [e for e in decided if isinstance(e, TimelineNoted)]
    assert [(n.event_type, n.due_at, n.clock_paused, n.stage) for n in notes] == [
        ("DeadlinesRecomputed", later, False, Stage.ROUTED)
    ]
    (changed,) = [e for e in decided if isinstance(e, ApplicationStageChanged)]
    assert (changed.due_at, changed.clock_paused) == (later, False)
    after = [*events, *decided]
    # An older recomputation arriving late is noted as late and moves nothing; no line of its own.
    late = decide_after(applications, NUMBER, after, recomputed(1, DUE, event_id="s0"))
    assert not any(isinstance(e, TimelineNoted | ApplicationStageChanged) for e in late)
    assert folded([*after, *late]).due_at == later


def test_a_recomputation_while_paused_keeps_the_due_moment_and_says_paused() -> None:
    events = given_notes(ROUTED, DEADLINE)
    decided = decide_after(applications, NUMBER, events, recomputed(2, None))
    (note,) = [e for e in decided if isinstance(e, TimelineNoted)]
    assert (note.due_at, note.clock_paused) == (None, True)
    assert (folded([*events, *decided]).due_at, folded([*events, *decided]).clock_paused) == (DUE, True)


def test_an_sms_report_is_noted_once_with_ids_and_codes_only() -> None:
    events = given_notes(ROUTED)
    report = RecordNote("n1", "SmsDelivered", AT, {"template": "registered", "status": 1})
    (note,) = decide_after(applications, NUMBER, events, report)
    assert isinstance(note, TimelineNoted) and note.details == {"template": "registered", "status": 1}
    assert decide_after(applications, NUMBER, [*events, note], report) == []
    assert folded([*events, note]).stage == Stage.ROUTED


# An SMS delivery report belongs to the stage its SMS was sent for (its trigger), dated when the
# handset got it, whatever the case did since and whichever topic came first.


def sms_report(event_id: str, trigger: str | None, at: datetime, delivered: bool = True) -> RecordNote:
    kind, status = ("SmsDelivered", 1) if delivered else ("SmsDeliveryFailed", 2)
    return RecordNote(event_id, kind, at, {"template": "concluded", "status": status}, trigger)


def placed(note: EventPayload) -> tuple[int, str, str | None]:
    assert isinstance(note, TimelineNoted | TimelineNoteMoved)
    return note.position, note.stage, note.institution


def test_a_report_after_the_reopening_stays_with_the_conclusion_its_sms_told() -> None:
    stream = Stream()
    stream.when(*HISTORIES[Stage.REOPENED])  # r6 concluded, then r7 reopened
    delivered_at = AT + timedelta(hours=6, seconds=4)
    (note,) = stream.when(sms_report("n1", CONCLUDED.source_event_id, delivered_at))
    assert isinstance(note, TimelineNoted) and note.occurred_at == delivered_at
    assert placed(note) == (6, Stage.CONCLUDED, INSTITUTION) and note.awaiting is None
    assert stream.state.stage == Stage.REOPENED  # a note moves no stage
    assert stream.when(sms_report("n1", CONCLUDED.source_event_id, delivered_at)) == []


def test_the_registered_sms_report_goes_under_the_routing_its_deadline_followed() -> None:
    stream = Stream()
    stream.when(ROUTED, DEADLINE, ACKNOWLEDGED, ASKED)
    (note,) = stream.when(sms_report("n1", DEADLINE.source_event_id, AT))
    assert placed(note) == (1, Stage.ROUTED, INSTITUTION)


def test_a_report_without_a_trigger_follows_the_stage_of_the_moment() -> None:
    stream = Stream()  # reports recorded before the notifier named the trigger
    stream.when(*HISTORIES[Stage.REOPENED])
    (note,) = stream.when(sms_report("n1", None, AT))
    assert placed(note) == (7, Stage.REOPENED, INSTITUTION) and note.awaiting is None


def test_a_report_before_its_stage_is_moved_under_it_when_the_stage_comes() -> None:
    stream = Stream()
    stream.when(ROUTED, DEADLINE)
    (note,) = stream.when(sms_report("n1", ASKED.source_event_id, AT + timedelta(hours=3, seconds=5)))
    assert isinstance(note, TimelineNoted) and note.awaiting == ASKED.source_event_id
    assert placed(note) == (1, Stage.ROUTED, INSTITUTION)  # meanwhile: after the stage of the moment
    assert not any(isinstance(e, TimelineNoteMoved) for e in stream.when(ACKNOWLEDGED))
    asked = stream.when(ASKED)
    (moved,) = [e for e in asked if isinstance(e, TimelineNoteMoved)]
    assert moved.source_event_id == "n1" and placed(moved) == (3, Stage.INFORMATION_REQUESTED, INSTITUTION)
    assert not stream.state.awaiting and stream.state.places["n1"].position == 3
    assert not any(
        isinstance(e, TimelineNoteMoved) for e in stream.when(stage(8, "CaseAnswered", Stage.IN_REVIEW))
    )


@pytest.mark.parametrize("deadline_first", [True, False])
def test_a_report_before_its_clock_event_goes_under_the_routing_whichever_comes_first(
    deadline_first: bool,
) -> None:
    """The registered SMS is told of the deadline (sla-monitor); its line is the routing it followed."""
    stream = Stream()
    (note,) = stream.when(sms_report("n1", DEADLINE.source_event_id, AT))
    assert placed(note) == (0, Stage.REGISTERED, None) and note.awaiting == DEADLINE.source_event_id
    first, second = (DEADLINE, ROUTED) if deadline_first else (ROUTED, DEADLINE)
    assert not any(isinstance(e, TimelineNoteMoved) for e in stream.when(first))
    (moved,) = [e for e in stream.when(second) if isinstance(e, TimelineNoteMoved)]
    assert placed(moved) == (1, Stage.ROUTED, INSTITUTION) and not stream.state.awaiting


def test_a_report_whose_trigger_is_known_only_by_its_clock_event_waits_for_the_routing() -> None:
    stream = Stream()
    stream.when(DEADLINE)  # the routing has not come yet: the deadline told it (REGISTERED → ROUTED)
    (note,) = stream.when(sms_report("n1", DEADLINE.source_event_id, AT))
    assert isinstance(note, TimelineNoted) and note.awaiting == ROUTED.source_event_id
    (moved,) = [e for e in stream.when(ROUTED) if isinstance(e, TimelineNoteMoved)]
    assert placed(moved) == (1, Stage.ROUTED, INSTITUTION)


def test_a_failed_report_is_placed_like_a_delivered_one() -> None:
    stream = Stream()
    stream.when(*HISTORIES[Stage.REOPENED])
    (note,) = stream.when(sms_report("n1", CONCLUDED.source_event_id, AT, delivered=False))
    assert isinstance(note, TimelineNoted) and note.event_type == "SmsDeliveryFailed"
    assert placed(note) == (6, Stage.CONCLUDED, INSTITUTION)


def test_a_report_of_a_clock_event_that_followed_no_stage_waits_for_nothing() -> None:
    stream = Stream()
    stream.when(ROUTED, clock(1, "DeadlineSet", None, DUE))
    (note,) = stream.when(sms_report("n1", "s1", AT))
    assert isinstance(note, TimelineNoted) and note.awaiting is None
    assert placed(note) == (1, Stage.ROUTED, INSTITUTION) and not stream.state.awaiting
