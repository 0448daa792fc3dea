"""The dashboards' model: panels as data, built into Grafana JSON with Grafana's Foundation SDK.

Every panel names the provisioned Prometheus datasource (uid `acikkapi-prometheus`) and a unit; ids are
given here, unique per dashboard. Queries use fixed windows (no Grafana macros), so a test runs each one
as written through Prometheus's HTTP API; the one variable is the constant `segment_price` (TRY per SMS
segment of the provider's contract: edit it in Grafana, or here), which a test substitutes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from grafana_foundation_sdk.builders import dashboard as gd
from grafana_foundation_sdk.builders import prometheus, stat, table, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

DATASOURCE_UID = "acikkapi-prometheus"
DATASOURCE = DataSourceRef(type_val="prometheus", uid=DATASOURCE_UID)
SEGMENT_PRICE_TRY = "0.12"  # placeholder until the contract's price is known; a constant variable


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""
    table: bool = False  # an instant query formatted as a table


@dataclass(frozen=True)
class PanelSpec:
    title: str
    description: str
    unit: str
    queries: tuple[Query, ...]
    kind: str = "timeseries"  # timeseries, stat, table
    width: int = 12
    height: int = 8


@dataclass
class Board:
    uid: str
    title: str
    description: str
    rows: list[tuple[str, list[PanelSpec]]] = field(default_factory=list)


def q(expr: str, legend: str = "", *, as_table: bool = False) -> Query:
    return Query(expr, legend, as_table)


def target(query: Query, ref: str) -> prometheus.Dataquery:
    built = prometheus.Dataquery().expr(query.expr).ref_id(ref).datasource(DATASOURCE)
    if query.legend:
        built = built.legend_format(query.legend)
    if query.table:
        built = built.instant().format(PromQueryFormat.TABLE)
    return built


def panel(spec: PanelSpec, panel_id: int) -> timeseries.Panel | stat.Panel | table.Panel:
    builder: timeseries.Panel | stat.Panel | table.Panel
    if spec.kind == "stat":
        builder = stat.Panel()
    elif spec.kind == "table":
        builder = table.Panel()
    else:
        builder = timeseries.Panel()
    builder = (
        builder.id(panel_id)
        .title(spec.title)
        .description(spec.description)
        .unit(spec.unit)
        .datasource(DATASOURCE)
        .span(spec.width)
        .height(spec.height)
    )
    for index, query in enumerate(spec.queries):
        builder = builder.with_target(target(query, chr(ord("A") + index)))
    return builder


def build(board: Board) -> dict[str, object]:
    """Returns the dashboard's JSON model."""
    builder = (
        gd.Dashboard(board.title)
        .uid(board.uid)
        .description(board.description)
        .tags(["acikkapi"])
        .refresh("30s")
        .time("now-6h", "now")
        .timezone("Europe/Istanbul")
        .readonly()
        .with_variable(
            gd.ConstantVariable("segment_price").label("TRY per SMS segment").value(SEGMENT_PRICE_TRY)
        )
    )
    panel_id = 0
    for row_title, specs in board.rows:
        panel_id += 1
        builder = builder.with_row(gd.Row(row_title).id(panel_id))
        for spec in specs:
            panel_id += 1
            builder = builder.with_panel(panel(spec, panel_id))
    model: dict[str, object] = _without_nulls(json.loads(json.dumps(builder.build(), cls=JSONEncoder)))
    return model


def _without_nulls(value: Any) -> Any:
    """Returns the JSON without null members (the SDK writes `"options": null` for panels given no
    options; Grafana applies a plugin's defaults to an absent member, so absent is the safer form)."""
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value
