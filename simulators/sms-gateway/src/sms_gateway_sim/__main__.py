"""Runs the SMS gateway simulator: acikkapi-sms-gateway-sim --host 127.0.0.1 --port 8025."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from sms_gateway_sim.app import SimulatorSettings, server_config


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Returns the options; each defaults to its ACIKKAPI_SMS_SIM_* environment variable."""
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="acikkapi-sms-gateway-sim",
        description="Local SMS gateway speaking Netgsm's REST v2 send API; keeps what it receives.",
    )
    parser.add_argument("--host", default=env("ACIKKAPI_SMS_SIM_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env("ACIKKAPI_SMS_SIM_PORT", "8025")))
    parser.add_argument(
        "--store",
        type=Path,
        default=env("ACIKKAPI_SMS_SIM_STORE"),
        help="JSON Lines file: loaded on start, every accepted message appended "
        "(the raw request log goes beside it, NAME.requests.jsonl)",
    )
    parser.add_argument("--usercode", default=env("ACIKKAPI_SMS_SIM_USERCODE", "acikkapi"))
    parser.add_argument("--password", default=env("ACIKKAPI_SMS_SIM_PASSWORD", "acikkapi"))
    parser.add_argument(
        "--headers",
        default=env("ACIKKAPI_SMS_SIM_HEADERS"),
        help="comma-separated sender headers to accept (default: any of 1-11 characters)",
    )
    parser.add_argument(
        "--delivery-delay-ms",
        type=int,
        default=int(env("ACIKKAPI_SMS_SIM_DELIVERY_DELAY_MS", "2000")),
        help="how long after acceptance a delivery report stops saying 0 (waiting)",
    )
    parser.add_argument("--log-level", default=env("ACIKKAPI_SMS_SIM_LOG_LEVEL", "warning"))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Starts the simulator and serves until interrupted."""
    args = parse_args(argv)
    headers = None if not args.headers else frozenset(h.strip() for h in args.headers.split(","))
    settings = SimulatorSettings(
        usercode=args.usercode,
        password=args.password,
        store_path=None if args.store is None else Path(args.store),
        allowed_headers=headers,
        delivery_delay_ms=args.delivery_delay_ms,
    )
    uvicorn.Server(server_config(settings, host=args.host, port=args.port, log_level=args.log_level)).run()


if __name__ == "__main__":
    main()
