"""The notebook kernels the tests start cannot reach the network, but can reach loopback.

A kernel is started exactly as nbval starts one (same environment, prepared in
conftest.py); the test then asks it to open connections.
"""

from __future__ import annotations

import socket
import threading

import pytest
from jupyter_client.manager import start_new_kernel

from causalcourse.netguard import NetworkDisabledError, install, is_loopback, uninstall


@pytest.fixture(scope="module")
def kernel():
    manager, client = start_new_kernel(kernel_name="python3")
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


outputs: list = []


def kernel_eval(client, code: str) -> str:
    outputs.clear()
    client.execute_interactive(code, timeout=60, output_hook=outputs.append)
    return "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")


def test_kernel_refuses_outside_connections(kernel) -> None:
    text = kernel_eval(kernel, (
        "import socket\n"
        "try:\n"
        "    socket.create_connection(('93.184.216.34', 80), timeout=2)\n"
        "    print('CONNECTED')\n"
        "except ConnectionRefusedError as e:\n"
        "    print('REFUSED', type(e).__name__, e)\n"
    ))
    assert "REFUSED NetworkDisabledError" in text and "network access is disabled" in text, text


def test_kernel_refuses_host_names(kernel) -> None:
    text = kernel_eval(kernel, (
        "import urllib.request\n"
        "try:\n"
        "    urllib.request.urlopen('http://example.org', timeout=2)\n"
        "    print('CONNECTED')\n"
        "except Exception as e:\n"
        "    print('FAILED', type(e).__name__)\n"
    ))
    assert "FAILED" in text and "CONNECTED" not in text, text


def test_kernel_reaches_loopback(kernel) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    accepted = threading.Thread(target=lambda: server.accept()[0].close(), daemon=True)
    accepted.start()
    text = kernel_eval(kernel, f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5).close()\nprint('OK')\n")
    accepted.join(timeout=5)
    server.close()
    assert "OK" in text, text


def test_guard_in_process() -> None:
    assert is_loopback(("::1", 80, 0, 0)) and is_loopback("/tmp/socket") and not is_loopback(("10.0.0.1", 80))
    install()
    try:
        with pytest.raises(NetworkDisabledError, match="refused a connection to"):
            socket.create_connection(("192.0.2.1", 80), timeout=1)
    finally:
        uninstall()
