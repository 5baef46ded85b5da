"""Refuse network connections except to this machine (used by the notebook tests).

The tests start every notebook kernel with an IPython startup file that calls
:func:`install`, so a notebook that tries to download anything fails loudly
instead of passing on a machine that happens to be online.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

from causalcourse.errors import CourseError

__all__ = ["NetworkDisabledError", "install", "uninstall", "is_loopback"]

_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex


class NetworkDisabledError(ConnectionRefusedError):
    """Raised when code tries to reach a host other than this machine."""


def is_loopback(address: Any) -> bool:
    """True for Unix sockets and for loopback hosts (``localhost``, 127.0.0.0/8, ``::1``).

    Example
    -------
    >>> is_loopback(("127.0.0.1", 80)), is_loopback(("93.184.216.34", 80))
    (True, False)
    """
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    if not isinstance(address, tuple) or not address:
        raise CourseError(f"expected a socket address (host, port) or a path, got {address!r}")
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode()
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False  # a host name other than localhost


def _checked(sock: socket.socket, address: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address):
        raise NetworkDisabledError(
            "network access is disabled in the course's tests: refused a connection to "
            f"{address!r}; "
            "notebooks must use data shipped in data/ or generated locally"
        )


def _connect(self: socket.socket, address: Any) -> None:
    _checked(self, address)
    return _original_connect(self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    _checked(self, address)
    return _original_connect_ex(self, address)


def install() -> None:
    """Patch :class:`socket.socket` so non-loopback connections raise :class:`NetworkDisabledError`.

    Example
    -------
    >>> install()
    >>> socket.create_connection(("93.184.216.34", 80), timeout=1)
    Traceback (most recent call last):
    ...
    causalcourse.netguard.NetworkDisabledError: network access is disabled ...
    >>> uninstall()
    """
    socket.socket.connect = _connect  # type: ignore[method-assign, assignment]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign, assignment]


def uninstall() -> None:
    """Restore the original :class:`socket.socket` methods."""
    socket.socket.connect = _original_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _original_connect_ex  # type: ignore[method-assign]
