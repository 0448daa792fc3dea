"""Measures SMS encoding analysis speed: uv run python bench/sms_encode.py."""

from __future__ import annotations

import time
from datetime import date

from notifier.domain import templates
from notifier.domain.encoding import analyse


def main() -> None:
    """Prints analyses per second for a typical registered message and a truncated rejection."""
    registered = templates.registered(
        application_number="2026-000123-2",
        tracking_code="K7QX-9M2D-WR4T",
        institution_name="Kars İl Sağlık Müdürlüğü",
        due=date(2026, 6, 5),
    )
    rounds = 20_000
    started = time.perf_counter()
    for _ in range(rounds):
        analyse(registered)
    analyse_rate = rounds / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(1_000):
        templates.rejected(application_number="2026-000123-2", reason="Uzun gerekçe. " * 60)
    truncate_rate = 1_000 / (time.perf_counter() - started)
    print(f"analyse: {analyse_rate:,.0f}/s; rejected() with truncation: {truncate_rate:,.0f}/s")


if __name__ == "__main__":
    main()
