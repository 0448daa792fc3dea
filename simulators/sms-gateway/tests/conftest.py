"""Fixtures shared by the simulator's tests: a fake clock and the app served in process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from sms_gateway_sim.app import SimulatorSettings, create_app


class Clock:
    """Unix seconds that move only when a test moves them."""

    def __init__(self) -> None:
        self.now = 1_780_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "sms.jsonl"


@pytest.fixture
async def app(clock: Clock, store_path: Path) -> AsyncIterator[FastAPI]:
    application = create_app(SimulatorSettings(store_path=store_path), clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        yield http
