"""The `acikkapi route explain` command: JSON lines in, one decision or error per line out."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from acikkapi_cli.main import main
from router.explain import parse_request

GOOD = {"topic": "YEREL_YONETIMLER", "district": "SARIKAMIS", "type": "SIKAYET"}


def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stdin: str, *args: str
) -> tuple[int, list[str], str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["route", "explain", *args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_explain_json_prints_one_decision_per_line_and_an_error_for_bad_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        json.dumps({**GOOD, "text": "KÖYÜMÜZÜN YOLU KARDAN KAPANDI"}, ensure_ascii=False),
        "this is not json",
        "",
        json.dumps({"topic": "DIGER", "district": "MERKEZ", "type": "ISTEK"}),
        json.dumps({**GOOD, "text": 5}),
        json.dumps({**GOOD, "text": "Bir sorunum var"}),
        json.dumps({**GOOD, "district": "ANKARA", "topic": "HAVA", "text": "elektrik yok"}),
        json.dumps({**GOOD, "district": "Sarıkamış", "topic": "yerel_yonetimler", "text": "elektrik yok"}),
    ]
    code, out, err = run(monkeypatch, capsys, "\n".join(lines) + "\n", "--json")
    assert code == 1  # every line answered, but a script must see that some were not routed
    assert "4 line(s) could not be routed" in err
    results = [json.loads(line) for line in out]
    assert len(results) == 7
    first = results[0]
    assert first["institution"] == "IL_OZEL_IDARE"
    assert first["rule"] == "village-road"
    assert 0.5 < first["confidence"] <= 1.0
    assert "köy" in first["matched"]
    assert first["table_version"] == "2026.12.1"
    assert first["suggestion"] == "IL_OZEL_IDARE"
    assert first["model"][0]["institution"] == "IL_OZEL_IDARE"
    assert results[1] == {"error": results[1]["error"], "line": 2}
    assert "not valid JSON" in results[1]["error"]
    assert "missing field(s): text" in results[2]["error"]
    assert "must be strings: text" in results[3]["error"]
    assert results[4]["institution"] == "ACIKKAPI"
    assert results[4]["rule"] == "triage"
    assert results[5] == {"error": "not in the reference data: topic 'HAVA', district 'ANKARA'", "line": 7}
    assert results[6]["institution"] == "ARAS_EDAS"  # a name, or a code in lower case, is understood


def test_explain_without_json_prints_readable_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = json.dumps({**GOOD, "text": "kopekler saldiriyor"}) + "\n"
    code, out, _ = run(monkeypatch, capsys, stdin)
    assert code == 0
    assert out[0].startswith("BELEDIYE_SARIKAMIS\trule=municipality-stray-animals")


def test_explain_uses_another_table_file_and_reports_a_bad_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bundled = Path(__file__).parents[2] / "src" / "router" / "rules" / "kars-routing.yaml"
    changed = tmp_path / "changed.yaml"
    changed.write_text(bundled.read_text("utf-8").replace('"2026.12.1"', '"local-1"'), "utf-8")
    stdin = json.dumps({**GOOD, "text": "çöpler toplanmadı"}) + "\n"
    code, out, _ = run(monkeypatch, capsys, stdin, "--json", "--table", str(changed))
    assert code == 0
    assert json.loads(out[0])["table_version"] == "local-1"

    broken = tmp_path / "broken.yaml"
    broken.write_text(bundled.read_text("utf-8").replace("IL_OZEL_IDARE", "IL_OZEL"), "utf-8")
    code, out, err = run(monkeypatch, capsys, stdin, "--json", "--table", str(broken))
    assert code == 2
    assert out == []
    assert "unknown institution code 'IL_OZEL'" in err


def test_a_line_nested_too_deeply_is_an_error_line_and_the_rest_go_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["[" * 100_000 + "]" * 100_000, json.dumps({**GOOD, "text": "çöpler toplanmadı"})]
    code, out, _ = run(monkeypatch, capsys, "\n".join(lines) + "\n", "--json")
    assert code == 1
    first, second = (json.loads(line) for line in out)
    assert first == {"error": "not valid JSON: nested too deeply", "line": 1}
    assert second["institution"].startswith("BELEDIYE_")


def test_parse_request_rejects_non_objects() -> None:
    with pytest.raises(ValueError, match="expected a JSON object"):
        parse_request("[1, 2]")
