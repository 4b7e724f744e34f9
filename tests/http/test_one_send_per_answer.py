"""OneSendPerAnswer (tvdbd.http.protocol): an answer's head and body leave in one send() on a
real asyncio transport; nothing is reordered, lost at close or held past the loop's turn;
and pipelined requests on a live server get whole answers, in order."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

from tests.http.rawsocket import exchange
from tests.support import LiveServer
from tvdbd.http.protocol import OneSendPerAnswer


class CountingSocket(socket.socket):
    """A real socket that counts the send() calls asyncio's transport makes on it."""

    sends = 0

    def send(self, data: bytes, flags: int = 0) -> int:  # type: ignore[override]
        self.sends += 1
        return super().send(data, flags)


async def read_to_end(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> bytes:
    received = b""
    while chunk := await loop.sock_recv(sock, 1 << 20):
        received += chunk
    return received


Scenario = Callable[[OneSendPerAnswer], Awaitable[None]]


def run(scenario: Scenario) -> tuple[bytes, int]:
    """What the peer received and how many send() calls carried it."""

    async def main() -> tuple[bytes, int]:
        loop = asyncio.get_running_loop()
        left, right = socket.socketpair()
        served = CountingSocket(left.family, left.type, left.proto, fileno=left.detach())
        transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, served)
        right.setblocking(False)
        reading = asyncio.ensure_future(read_to_end(loop, right))
        await scenario(OneSendPerAnswer(transport, loop))  # type: ignore[arg-type]
        await asyncio.sleep(0.05)
        transport.close()
        received = await asyncio.wait_for(reading, 5)
        right.close()
        return received, served.sends

    return asyncio.run(main())


def test_a_head_and_its_body_leave_in_one_send() -> None:
    async def answer(writer: OneSendPerAnswer) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")
        writer.write(b"hello")

    received, sends = run(answer)
    assert received == b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"
    assert sends == 1


def test_a_head_alone_leaves_on_the_loops_next_turn() -> None:
    async def head_only(writer: OneSendPerAnswer) -> None:
        writer.write(b"HTTP/1.1 304 Not Modified\r\n\r\n")
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert writer.get_write_buffer_size() == 0  # sent, not held

    assert run(head_only) == (b"HTTP/1.1 304 Not Modified\r\n\r\n", 1)


def test_writes_keep_their_order_across_answers_and_turns() -> None:
    parts = [b"head1|", b"body1|", b"head2|", b"chunk-a|", b"chunk-b|", b"chunk-c"]

    async def stream(writer: OneSendPerAnswer) -> None:
        for part in parts[:3]:
            writer.write(part)
        await asyncio.sleep(0)
        for part in parts[3:]:
            writer.write(part)
            await asyncio.sleep(0)

    received, _ = run(stream)
    assert received == b"".join(parts)


def test_a_body_over_the_join_limit_is_not_copied_onto_its_head() -> None:
    body = b"x" * (OneSendPerAnswer.JOIN_LIMIT + 1)

    async def large(writer: OneSendPerAnswer) -> None:
        writer.write(b"head|")
        writer.write(body)

    received, sends = run(large)
    assert received == b"head|" + body
    assert sends >= 2


def test_closing_sends_what_is_held_first() -> None:
    async def close_at_once(writer: OneSendPerAnswer) -> None:
        writer.write(b'{"Error":"Request timeout"}')
        writer.close()

    assert run(close_at_once)[0] == b'{"Error":"Request timeout"}'


def test_pipelined_requests_get_whole_answers_in_order(demo_server: LiveServer) -> None:
    auth = f"Authorization: Bearer {demo_server.token()}\r\n".encode()
    paths = ["/series/76156/episodes?page=1", "/languages/7", "/series/76156"]
    requests = [b"GET " + p.encode() + b" HTTP/1.1\r\nHost: x\r\n" + auth + b"\r\n" for p in paths]
    requests.insert(1, b"HEAD /series/76156 HTTP/1.1\r\nHost: x\r\n" + auth + b"\r\n")
    last = requests.pop().replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")
    stream = exchange(demo_server.port, b"".join([*requests, last]))
    with demo_server.client() as api:
        expected = [api.get(path).content for path in paths]
    answers = []
    while stream:
        head, _, rest = stream.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(": ", 1) for line in lines[1:])
        is_head = len(answers) == 1
        length = 0 if is_head else int(headers["content-length"])
        answers.append((lines[0], rest[:length]))
        stream = rest[length:]
    assert [status for status, _ in answers] == ["HTTP/1.1 200 OK"] * 4
    assert [body for _, body in answers] == [expected[0], b"", expected[1], expected[2]]
