"""Lets the app drop a request's TCP connection without answering, when served by uvicorn.

ASGI has no event that aborts a connection (an app that sends nothing gets a 500 from the
server), so the server's HTTP protocol records each connection's transport, keyed by the same
addresses uvicorn puts in the request scope, and the app aborts the one its request came on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from uvicorn.config import HTTP_PROTOCOLS
from uvicorn.importer import import_from_string

Address = tuple[str, int]
ConnectionKey = tuple[Address, Address]  # (server, client)

if TYPE_CHECKING:
    _HttpProtocol = asyncio.Protocol
else:
    # The protocol uvicorn would choose itself (httptools when installed), so throughput stays.
    _HttpProtocol = import_from_string(HTTP_PROTOCOLS["auto"])


class ConnectionRegistry:
    """The open connections of one server, so that a request's connection can be aborted."""

    def __init__(self) -> None:
        self._transports: dict[ConnectionKey, asyncio.Transport] = {}

    def protocol_class(self) -> type[asyncio.Protocol]:
        """Returns uvicorn's HTTP protocol, extended to register its connections here."""
        transports = self._transports

        class TrackingHttpProtocol(_HttpProtocol):
            _tracked_as: ConnectionKey | None = None

            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                super().connection_made(transport)
                self._tracked_as = _key_of(transport)
                if self._tracked_as is not None:
                    transports[self._tracked_as] = cast(asyncio.Transport, transport)

            def connection_lost(self, exc: Exception | None) -> None:
                if self._tracked_as is not None:
                    transports.pop(self._tracked_as, None)
                super().connection_lost(exc)

        return TrackingHttpProtocol

    def knows(self, scope: Mapping[str, Any]) -> bool:
        """Whether the connection of the request with this ASGI scope can be aborted."""
        key = _scope_key(scope)
        return key is not None and key in self._transports

    def abort(self, scope: Mapping[str, Any]) -> bool:
        """Closes the request's connection at once, unanswered; False if it is unknown or gone."""
        key = _scope_key(scope)
        transport = None if key is None else self._transports.pop(key, None)
        if transport is None or transport.is_closing():
            return False
        transport.abort()
        return True


def _address(info: Any) -> Address | None:
    """Returns (host, port) of a socket address, as uvicorn reports it in the scope."""
    if isinstance(info, list | tuple) and len(info) >= 2:
        return str(info[0]), int(info[1])
    return None


def _key_of(transport: asyncio.BaseTransport) -> ConnectionKey | None:
    """Returns the registry key of a TCP connection; None for other sockets."""
    server = _address(transport.get_extra_info("sockname"))
    client = _address(transport.get_extra_info("peername"))
    return None if server is None or client is None else (server, client)


def _scope_key(scope: Mapping[str, Any]) -> ConnectionKey | None:
    """Returns the registry key of the connection a request came on."""
    server, client = _address(scope.get("server")), _address(scope.get("client"))
    return None if server is None or client is None else (server, client)
