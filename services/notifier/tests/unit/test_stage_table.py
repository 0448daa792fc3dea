"""The stage table is data checked at start, and README's table of it says what the data says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from notifier.domain.stage_messages import REQUIRED
from notifier.domain.stage_table import StageTableInvalid, load_stage_table

README = Path(__file__).parents[4] / "README.md"


def test_the_packaged_table_loads_and_names_a_template_for_every_stage_the_applicant_is_told_of() -> None:
    table = load_stage_table()
    assert {entry.template for entry in table.entries.values()} == set(REQUIRED)
    assert table.entries["DeadlineSet"].urgent and not table.entries["InformationRequested"].urgent


def _readme_rows() -> set[tuple[str, str, bool]]:
    section = README.read_text("utf-8").split("### SMS for each stage", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \([\w-]+\) \| `(\w+)` \| (yes|no) \|", section, flags=re.MULTILINE)
    return {(event, template, urgent == "yes") for event, template, urgent in rows}


def test_the_readme_table_is_the_stage_table() -> None:
    table = load_stage_table()
    expected = {(e.event_type, e.template, e.urgent) for e in table.entries.values()}
    assert _readme_rows() == expected


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("CaseShredded: {template: routed}", "not an event"),
        ("CaseRoutedByHand: {template: poem}", "no template"),
        ("CaseRoutedByHand: {template: routed, colour: red}", "template, urgent and parameters only"),
        ("CaseRoutedByHand: {template: routed, urgent: maybe}", "urgent is true or false"),
        ("CaseRoutedByHand: {template: routed, parameters: {mood: reason}}", "no template parameter"),
        ("CaseRoutedByHand: {template: routed, parameters: {institution: agency}}", "no field 'agency'"),
        ("CaseConcluded: {template: concluded, parameters: {institution: institution}}", "needs outcome"),
        ("- just a list", "not a mapping"),
    ],
)
def test_a_table_that_cannot_be_sent_stops_the_start(text: str, complaint: str) -> None:
    with pytest.raises(StageTableInvalid, match=complaint):
        load_stage_table(text)
