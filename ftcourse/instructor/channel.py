"""JSON lines over a pair of pipes: how the grader talks to its trusted checks and to the isolated
processes that run a student's functions. Messages are plain values (`ftcourse.shared.portable`),
so reading one runs no code of its writer's."""
import json
import os
import select
import time

MAX_MESSAGE = 256 * 2**20


class ChannelClosed(EOFError):
    """The other side exited or closed its pipe."""


class Channel:
    def __init__(self, read_fd: int, write_fd: int):
        self.read_fd, self.write_fd = read_fd, write_fd
        self.buffer = b""

    def send(self, message: dict) -> None:
        data = (json.dumps(message) + "\n").encode()
        view = memoryview(data)
        while view:
            written = os.write(self.write_fd, view)
            view = view[written:]

    def receive(self, timeout: float = None) -> dict:
        """The next message; TimeoutError after `timeout` seconds, ChannelClosed at the end."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.read_fd], [], [], left)
            if not ready:
                raise TimeoutError
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise ChannelClosed
            self.buffer += chunk
            if len(self.buffer) > MAX_MESSAGE:
                raise ChannelClosed("message too large")
        line, _, self.buffer = self.buffer.partition(b"\n")
        try:
            message = json.loads(line)
        except ValueError:
            raise ChannelClosed("malformed message") from None
        if not isinstance(message, dict):
            raise ChannelClosed("malformed message")
        return message

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass


def pipes():
    """Two pipes, as (parent side, child fds): the child reads the first and writes the second."""
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()
    return Channel(from_child_r, to_child_w), (to_child_r, from_child_w)
