"""The server loop's view of its sockets: which are ready to read or write. epoll, straight:
the `selectors` layer builds a key object per event and looks each up again, which showed
as several microseconds a request on the store server's hot path. Elsewhere than Linux,
`selectors` does the same job."""
from __future__ import annotations

import select
import selectors
import socket
from typing import Any

READ, WRITE = 1, 2


class EpollPoller:
    def __init__(self) -> None:
        self._epoll = select.epoll()
        self._data: dict[int, Any] = {}

    def register(self, sock: socket.socket, events: int, data: Any) -> None:
        fd = sock.fileno()
        self._epoll.register(fd, _to_epoll(events))
        self._data[fd] = data

    def modify(self, sock: socket.socket, events: int, data: Any) -> None:
        fd = sock.fileno()
        self._epoll.modify(fd, _to_epoll(events))
        self._data[fd] = data

    def unregister(self, sock: socket.socket) -> None:
        fd = sock.fileno()
        self._epoll.unregister(fd)
        self._data.pop(fd, None)

    def poll(self, timeout: float) -> list[tuple[Any, int]]:
        """(data, READ|WRITE) of each socket ready; a hang-up or error counts as readable,
        so the reader finds out."""
        ready = []
        for fd, mask in self._epoll.poll(timeout):
            data = self._data.get(fd)
            if data is not None:
                ready.append((data, (READ if mask & _READABLE else 0)
                              | (WRITE if mask & select.EPOLLOUT else 0)))
        return ready

    def close(self) -> None:
        self._epoll.close()


class SelectorsPoller:
    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()

    def register(self, sock: socket.socket, events: int, data: Any) -> None:
        self._selector.register(sock, _to_selectors(events), data)

    def modify(self, sock: socket.socket, events: int, data: Any) -> None:
        self._selector.modify(sock, _to_selectors(events), data)

    def unregister(self, sock: socket.socket) -> None:
        self._selector.unregister(sock)

    def poll(self, timeout: float) -> list[tuple[Any, int]]:
        return [(key.data, (READ if mask & selectors.EVENT_READ else 0)
                 | (WRITE if mask & selectors.EVENT_WRITE else 0))
                for key, mask in self._selector.select(timeout)]

    def close(self) -> None:
        self._selector.close()


def new_poller() -> EpollPoller | SelectorsPoller:
    return EpollPoller() if hasattr(select, "epoll") else SelectorsPoller()


if hasattr(select, "epoll"):
    _READABLE = select.EPOLLIN | select.EPOLLHUP | select.EPOLLERR | select.EPOLLRDHUP


def _to_epoll(events: int) -> int:
    return ((select.EPOLLIN if events & READ else 0)
            | (select.EPOLLOUT if events & WRITE else 0))


def _to_selectors(events: int) -> int:
    return ((selectors.EVENT_READ if events & READ else 0)
            | (selectors.EVENT_WRITE if events & WRITE else 0))
