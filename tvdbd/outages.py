"""One log line when a dependency (the database, Redis) stops answering, one when it answers
again: never a traceback per request while it is down."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("tvdbd.outages")


class Outage:
    """The state of one dependency in this process, as its users last found it."""

    def __init__(self, name: str, consequence: str):
        self.name = name
        self.consequence = consequence
        self.down = False
        self._lock = threading.Lock()

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            if self.down:
                return
            self.down = True
        log.warning("%s unreachable (%s: %s); %s", self.name, type(exc).__name__,
                    _short(exc), self.consequence)  # fmt: skip

    def answered(self) -> None:
        if not self.down:  # the common case: no lock
            return
        with self._lock:
            if not self.down:
                return
            self.down = False
        log.warning("%s answers again", self.name)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else ""
