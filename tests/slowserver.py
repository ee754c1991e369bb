"""A local test server run in a daemon thread for the length of a ``with`` block.

Servers that hold requests open (dripping bytes, staying silent) wait on a
``threading.Event``; :func:`serving` sets it on the way out, so their handler
threads end before the server is shut down and closed.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

Server = TypeVar("Server", bound=socketserver.BaseServer)


@contextmanager
def serving(server: Server, stop: threading.Event) -> Iterator[Server]:
    """Serve ``server`` in a daemon thread; on leaving, set ``stop``, shut the server down and close it."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
