"""The Grafana dashboards: the committed JSON is what deploy/grafana/generate.py makes, and each is
sound: unique panel ids, a unit on every panel, every panel and query on the provisioned datasource,
every query parsed by Prometheus's own parser (promtool), and the provisioning files name that datasource."""

from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from acikkapi_shared.testing import repo_root

GRAFANA = repo_root() / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))


@pytest.fixture(scope="module")
def generate() -> Iterator[ModuleType]:
    sys.path.insert(0, str(GRAFANA))
    try:
        yield importlib.import_module("generate")
    finally:
        sys.path.remove(str(GRAFANA))


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return document


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def substituted(expr: str, dashboard: dict[str, Any]) -> str:
    """Returns the query with the dashboard's constant variables put in, as Grafana sends it."""
    constants = {v["name"]: v["query"] for v in dashboard["templating"]["list"] if v["type"] == "constant"}
    return re.sub(r"\$(\w+)", lambda m: constants[m.group(1)], expr)


def test_the_committed_dashboards_are_what_the_code_generates(generate: ModuleType) -> None:
    assert generate.differences() == [], "run: uv run python deploy/grafana/generate.py"


def test_a_changed_dashboard_is_noticed(generate: ModuleType, tmp_path: Path) -> None:
    for path in DASHBOARDS:
        (tmp_path / path.name).write_text(path.read_text("utf-8").replace("Açık Kapı", "Acik Kapi"))
    assert sorted(generate.differences(tmp_path)) == [p.name for p in DASHBOARDS]


def test_the_four_dashboards_are_there() -> None:
    uids = sorted(load(p)["uid"] for p in DASHBOARDS)
    assert uids == ["acikkapi-intake", "acikkapi-operations", "acikkapi-sla", "acikkapi-sms"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=[p.stem for p in DASHBOARDS])
def test_a_dashboard_has_unique_ids_units_and_the_provisioned_datasource(path: Path) -> None:
    dashboard = load(path)
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)) and all(isinstance(i, int) for i in ids)
    for panel in panels(dashboard):
        assert panel["fieldConfig"]["defaults"].get("unit"), panel["title"]
        assert panel["datasource"] == {"type": "prometheus", "uid": "acikkapi-prometheus"}, panel["title"]
        assert panel["targets"], panel["title"]
        refs = [t["refId"] for t in panel["targets"]]
        assert len(refs) == len(set(refs))
        for query in panel["targets"]:
            assert query["datasource"] == panel["datasource"]
            assert "$__" not in query["expr"]  # no Grafana macro: the e2e test runs each as written


def test_the_provisioning_files_name_the_dashboards_datasource_and_folder() -> None:
    provisioning = GRAFANA / "provisioning"
    sources = yaml.safe_load((provisioning / "datasources" / "acikkapi.yml").read_text("utf-8"))
    assert [s["uid"] for s in sources["datasources"]] == ["acikkapi-prometheus"]
    assert sources["datasources"][0]["type"] == "prometheus"
    providers = yaml.safe_load((provisioning / "dashboards" / "acikkapi.yml").read_text("utf-8"))
    assert providers["providers"][0]["type"] == "file"


def all_queries() -> list[tuple[str, str]]:
    return [
        (f"{load(p)['uid']}/{panel['title']}/{t['refId']}", substituted(t["expr"], load(p)))
        for p in DASHBOARDS
        for panel in panels(load(p))
        for t in panel["targets"]
    ]


def test_every_query_is_valid_promql() -> None:
    from acikkapi_shared.testing.prometheus import promtool

    for name, expr in all_queries():
        # `promtool check rules` parses each expression with Prometheus's own parser.
        rules = {"groups": [{"name": "panel", "rules": [{"record": "panel:check", "expr": expr}]}]}
        done = promtool("check", "rules", "/dev/stdin", stdin=yaml.safe_dump(rules))
        assert done.returncode == 0, f"{name}: {expr}\n{done.stdout}{done.stderr}"
