"""The `acikkapi sms encode` command as a user runs it."""

from __future__ import annotations

import io
import json

import pytest

from acikkapi_cli.main import main


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str, stdin: str) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(["sms", "encode", *argv]) == 0
    return capsys.readouterr().out


def test_json_output_names_encoding_segments_and_units(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(monkeypatch, capsys, "--json", stdin="Başvurunuz alındı\n")
    payload = json.loads(out)
    assert payload["encoding"] == "GSM7_TR"
    assert payload["segments"] == 1
    assert payload["units"] == 20  # 17 characters, three of them (ş ı ı) escape pairs


def test_transliterate_keeps_circumflex_text_out_of_ucs2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = json.loads(_run(monkeypatch, capsys, "--json", stdin="şikâyet"))
    folded = json.loads(_run(monkeypatch, capsys, "--json", "--transliterate", stdin="şikâyet"))
    assert (plain["encoding"], folded["encoding"]) == ("UCS2", "GSM7_TR")


def test_human_output_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(monkeypatch, capsys, stdin="a" * 161)
    assert out == "GSM7: 2 segment(s), 161 septets, 161 characters\n"
