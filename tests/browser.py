"""Headless Chromium for page tests: Debian's chromium driven by Playwright over the DevTools protocol
(Playwright's own browser download is not used), and axe-core for the accessibility check. Both come
from deploy/browser/browser.sh, which installs or fetches them when missing."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright

from acikkapi_shared.testing import repo_root

# Impacts axe-core reports; the issue asks for none of the two worst.
FORBIDDEN_IMPACTS = ("serious", "critical")


# browser.sh's exit status when Chromium is missing and this user cannot install it (not root).
CANNOT_INSTALL = 3


def _provided(what: str) -> str:
    script = repo_root() / "deploy" / "browser" / "browser.sh"
    completed = subprocess.run(
        ["bash", str(script), what], capture_output=True, text=True, timeout=900, check=False
    )
    if completed.returncode == CANNOT_INSTALL:
        pytest.skip(f"Chromium cannot be installed here: {completed.stderr.strip()}")
    if completed.returncode != 0:
        raise RuntimeError(f"browser.sh {what} failed:\n{completed.stderr}")
    return completed.stdout.strip().splitlines()[-1]


def axe_source() -> str:
    """Returns axe-core's axe.min.js (the pinned version), fetched first when missing."""
    return Path(_provided("axe")).read_text(encoding="utf-8")


def artefacts_dir(name: str) -> Path:
    """Returns var/test-artefacts/<name>/ (ignored by git), created."""
    directory = repo_root() / "var" / "test-artefacts" / name
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's headless Chromium, installed first when missing."""
    executable = _provided("chromium")
    # Chromium refuses its sandbox to root; the tests open only pages of the system under test.
    arguments = ["--no-sandbox"] if os.geteuid() == 0 else []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=arguments)
        try:
            yield browser
        finally:
            await browser.close()


class AxeChecker:
    """Runs axe-core on a copy of a page, served at the page's own address in a JavaScript-enabled
    context, so that a page driven with JavaScript off is checked as the browser rendered it."""

    def __init__(self, page: Page, source: str, artefacts: Path) -> None:
        self._page = page
        self._source = source
        self._artefacts = artefacts

    @classmethod
    async def opened(cls, browser: Browser, artefacts: Path) -> AxeChecker:
        context = await browser.new_context(viewport={"width": 390, "height": 844})
        return cls(await context.new_page(), axe_source(), artefacts)

    async def violations(self, name: str, html: str, url: str) -> list[dict[str, Any]]:
        """Returns axe-core's violations of the page (every rule), saved to <name>.axe.json."""
        copy_url = url.split("?")[0].rstrip("/") + "/__axe_copy__"

        async def serve(route: Any) -> None:
            await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

        await self._page.route(copy_url, serve)
        await self._page.goto(copy_url)
        await self._page.unroute(copy_url)
        await self._page.evaluate(self._source)
        result: dict[str, Any] = await self._page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        violations: list[dict[str, Any]] = result["violations"]
        (self._artefacts / f"{name}.axe.json").write_text(
            json.dumps(violations, indent=2, ensure_ascii=False)
        )
        return violations


def serious(violations: list[dict[str, Any]]) -> list[str]:
    """Returns the ids and targets of the serious or critical violations."""
    return [
        f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']]}"
        for v in violations
        if v.get("impact") in FORBIDDEN_IMPACTS
    ]
