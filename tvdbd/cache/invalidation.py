"""Change marks across hosts: every bump is also published, and every server process applies
what others published to its own host's marks (tvdbd.cache.marks).

- PostgreSQL: `NOTIFY` on a channel named after the database (and schema), `LISTEN` in each
  worker. Nothing to configure.
- Redis pub/sub instead, when `TVDBD_REDIS_URL` is set (any backend).
- SQLite: one host by nature; the marks file is all there is.

A listener that loses its connection reconnects with backoff and then moves every mark
(whatever it missed is rebuilt once); meanwhile stored answers live a few seconds only
(tvdbd.cache.responses.UNSYNCED_LIFETIME), unless the database itself is down from here,
when stored answers are all there is to serve. Each worker applies each message:
several workers of one host bump the same marks more than once, which only moves them
further. A message reaches the other hosts within milliseconds of the writer's commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from tvdbd.cache.marks import ALL_SLOTS, ChangeMarks
from tvdbd.outages import Outage

log = logging.getLogger("tvdbd.cache")

ALL = "*"
# NOTIFY payloads are at most 8000 bytes: past this many slots, "everything changed".
MOST_SLOTS = 1000


@dataclass(frozen=True)
class Channel:
    """Where the marks of one database are published."""

    database_url: str  # the SQLAlchemy URL, password included (never logged)
    redis_url: str = ""

    @property
    def name(self) -> str:
        url = make_url(self.database_url)
        url = url.set(drivername=url.get_backend_name())
        digest = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()
        return f"tvdbd_marks_{digest[:16]}"

    @property
    def crosses_hosts(self) -> bool:
        return (
            bool(self.redis_url) or make_url(self.database_url).get_backend_name() == "postgresql"
        )


_redis_urls: dict[str, str] = {}
# Channels this process is subscribed to right now; while one is not, what depends on its
# messages falls back to short lifetimes (tvdbd.auth.LiveKeys reloads every second).
_listening: set[str] = set()


def unsynced_check(channel: Channel) -> Callable[[], bool]:
    """A cheap test of whether this process may be missing other hosts' changes right now
    (its listener is not subscribed); always False for a channel that has no other hosts."""
    if not channel.crosses_hosts:
        return lambda: False
    name = channel.name
    return lambda: name not in _listening


def configure(engine: Engine, redis_url: str) -> None:
    """Publish the marks of this engine's database through Redis (set from the settings)."""
    _redis_urls[engine.url.render_as_string(hide_password=False)] = redis_url


def channel_of(engine: Engine) -> Channel:
    url = engine.url.render_as_string(hide_password=False)
    return Channel(url, _redis_urls.get(url, ""))


def encode(slots: Iterable[int]) -> str:
    found = sorted(set(slots))
    return ALL if len(found) > MOST_SLOTS else ",".join(map(str, found))


def decode(payload: str) -> list[int] | None:
    """The slots of a message; None means every slot. Garbage is ignored (an empty list)."""
    if payload.strip() == ALL:
        return None
    try:
        slots = [int(part) for part in payload.split(",") if part.strip()]
    except ValueError:
        return []
    return [s for s in slots if 0 <= s < ALL_SLOTS]


_publishing = Outage(
    "cache invalidation channel (publishing)", "other hosts learn of changes when it is back"
)


def publish(engine: Engine, slots: Iterable[int]) -> None:
    """Tell the other hosts; failures are logged, never raised (the writer has committed)."""
    channel = channel_of(engine)
    if not channel.crosses_hosts:
        return
    payload = encode(slots)
    if not payload:
        return
    try:
        if channel.redis_url:
            import redis

            client = redis.Redis.from_url(
                channel.redis_url, socket_connect_timeout=1, socket_timeout=2
            )
            try:
                client.publish(channel.name, payload)
            finally:
                client.close()
        else:
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_notify(:channel, :payload)"),
                             {"channel": channel.name, "payload": payload})  # fmt: skip
                conn.commit()
    except Exception as exc:  # the change is stored; other hosts' caches age out at worst
        _publishing.failed(exc)
    else:
        _publishing.answered()


def apply(marks: ChangeMarks, payload: str) -> None:
    slots = decode(payload)
    marks.bump_slots(range(ALL_SLOTS) if slots is None else slots)


async def listen(
    channel: Channel, marks: ChangeMarks, *, stop: asyncio.Event, ready: asyncio.Event
) -> None:
    """Apply what other hosts publish until `stop` is set; `ready` is set once subscribed.
    Reconnects on failure, then moves every mark (what was published meanwhile is lost).
    One warning when the channel is lost and one when it is back, however long it takes."""
    delay = 0.5
    outage = Outage(
        "cache invalidation channel",
        "stored answers live a few seconds until it is back",
    )
    lost = False

    def subscribed() -> None:
        nonlocal lost
        if lost:  # what was published meanwhile is lost: rebuild everything once
            marks.bump_slots(range(ALL_SLOTS))
            lost = False
        outage.answered()

    while not stop.is_set():
        try:
            async for payload in _messages(channel, ready, subscribed):
                apply(marks, payload)
                delay = 0.5
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            outage.failed(exc)
            lost = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, 30)


async def _messages(
    channel: Channel, ready: asyncio.Event, subscribed: Callable[[], None]
) -> AsyncIterator[str]:
    if channel.redis_url:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(channel.redis_url)
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(channel.name)
            _listening.add(channel.name)
            subscribed()
            ready.set()
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    data = message["data"]
                    yield data.decode() if isinstance(data, bytes) else str(data)
        finally:
            _listening.discard(channel.name)
            await pubsub.aclose()
            await client.aclose()
        return
    import psycopg

    url = make_url(channel.database_url).set(drivername="postgresql")
    conninfo = url.render_as_string(hide_password=False)
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
        await conn.execute(f'LISTEN "{channel.name}"')
        _listening.add(channel.name)
        subscribed()
        ready.set()
        try:
            async for notify in conn.notifies():
                yield notify.payload
        finally:
            _listening.discard(channel.name)
