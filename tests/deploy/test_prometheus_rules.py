"""The alert rules, checked and unit-tested with promtool (Debian's prometheus package, installed by
deploy/prometheus/ensure.sh when missing): every alert has a `for:`, a severity, a runbook section that
exists, and at least one promtool unit test that shows it firing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from acikkapi_cli.prometheus import with_alert_for
from acikkapi_shared.testing import repo_root
from acikkapi_shared.testing.prometheus import promtool

PROMETHEUS = repo_root() / "deploy" / "prometheus"
RULES = sorted((PROMETHEUS / "rules").glob("*.yml"))
TESTS = sorted((PROMETHEUS / "tests").glob("*_test.yml"))
RUNBOOK = repo_root() / "docs" / "runbook.md"


def alerts() -> list[dict[str, Any]]:
    return [
        rule
        for path in RULES
        for group in yaml.safe_load(path.read_text("utf-8"))["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]


def test_promtool_accepts_the_rules() -> None:
    done = promtool("check", "rules", *map(str, RULES))
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_unit_tests_of_the_rules_pass() -> None:
    done = promtool("test", "rules", *(p.name for p in TESTS), cwd=PROMETHEUS / "tests")
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_has_a_for_a_severity_a_runbook_section_and_a_firing_unit_test() -> None:
    tested: set[str] = set()
    for path in TESTS:
        for case in yaml.safe_load(path.read_text("utf-8"))["tests"]:
            tested |= {check["alertname"] for check in case["alert_rule_test"] if check.get("exp_alerts")}
    runbook = RUNBOOK.read_text("utf-8")
    names = [rule["alert"] for rule in alerts()]
    assert len(names) == len(set(names))
    for rule in alerts():
        assert rule.get("for"), rule["alert"]
        assert rule["labels"]["severity"] in ("critical", "warning"), rule["alert"]
        anchor = rule["annotations"]["runbook"].split("#", 1)[1]
        assert f'<a id="{anchor}"></a>' in runbook, f"{rule['alert']}: no runbook section {anchor}"
    assert set(names) <= tested, f"alerts without a firing unit test: {set(names) - tested}"


def test_the_rendered_rules_of_a_test_stack_shorten_every_for(tmp_path: Path) -> None:
    rendered = tmp_path / "short.yml"
    rendered.write_text(with_alert_for(RULES[0].read_text("utf-8"), "5s"))
    fors = {rule["for"] for g in yaml.safe_load(rendered.read_text())["groups"] for rule in g["rules"]}
    assert fors == {"5s"}
    done = promtool("check", "rules", str(rendered))
    assert done.returncode == 0, done.stdout + done.stderr
