"""A fault for tests: the link to MariaDB breaks after COMMIT, before its answer.

CommitCutter is a TCP relay between the terminal's managers and the real private MariaDB
(which speaks its protocol in plain text here). It reads the client's side packet by packet
(3-byte length, sequence number, payload); once armed, the next COMMIT of a transaction
that wrote (an INSERT, UPDATE or DELETE since its last COMMIT or ROLLBACK) is passed on,
MariaDB commits it and answers, and the relay drops both sides instead of passing the
answer back. The client sees "lost connection" during COMMIT: the write is in the
database, and the terminal cannot know it. Nothing is mocked: the statements, the commit
and the lost answer are real. One cut per `arm()`; `cuts` counts them.

`arm(stay_down=True)` also keeps the database away after the cut — every new connection
is closed at once, as by a database that went down — until `come_back()`; `go_down()`
does so at once, every open link dropped.
"""
from __future__ import annotations

import socket
import threading

COM_QUERY = 3
WRITES = (b"insert", b"update", b"delete")


class CommitCutter:
    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._armed = threading.Event()
        self._stay_down = False
        self.down = threading.Event()
        self._links: list[_Link] = []
        self._changed = threading.Condition()
        self.cuts = 0
        self._closed = False
        threading.Thread(target=self._accept, name="cutter", daemon=True).start()

    def arm(self, stay_down: bool = False) -> None:
        """Cut the next writing transaction's COMMIT answer (and then refuse every
        connection until come_back(), when `stay_down`)."""
        self._stay_down = stay_down
        self._armed.set()

    def go_down(self) -> None:
        self.down.set()
        for link in list(self._links):
            link._drop()

    def come_back(self) -> None:
        self.down.clear()

    def wait_cut(self, count: int, timeout_s: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.cuts >= count, timeout_s)

    def close(self) -> None:
        self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.down.is_set():
                client.close()
                continue
            server = socket.create_connection(self.target)
            link = _Link(self, client, server)
            self._links.append(link)
            link.start()


class _Link:
    """One client connection and its own connection to MariaDB."""

    def __init__(self, cutter: CommitCutter, client: socket.socket, server: socket.socket):
        self.cutter, self.client, self.server = cutter, client, server
        self.wrote = False
        self.commit_in_flight = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._upstream, daemon=True).start()
        threading.Thread(target=self._downstream, daemon=True).start()

    def _upstream(self) -> None:
        """Client to MariaDB, a packet at a time, noting writes and the COMMIT to cut."""
        try:
            while True:
                header = _read_exactly(self.client, 4)
                payload = _read_exactly(self.client, int.from_bytes(header[:3], "little"))
                if payload[:1] == bytes([COM_QUERY]):
                    self._note(payload[1:].strip().lower())
                self.server.sendall(header + payload)
        except OSError:
            self._drop()

    def _note(self, query: bytes) -> None:
        if query.startswith(WRITES):
            self.wrote = True
        elif query in (b"commit", b"rollback"):
            if query == b"commit" and self.wrote and self.cutter._armed.is_set():
                self.cutter._armed.clear()
                self.commit_in_flight.set()
            self.wrote = False

    def _downstream(self) -> None:
        """MariaDB to client; MariaDB's answer to the armed COMMIT is never passed on."""
        try:
            while True:
                data = self.server.recv(65536)
                if not data:
                    break
                if self.commit_in_flight.is_set():  # committed: the answer is lost
                    with self.cutter._changed:
                        if self.cutter._stay_down:
                            self.cutter.down.set()
                        self.cutter.cuts += 1
                        self.cutter._changed.notify_all()
                    self._drop()
                    return
                self.client.sendall(data)
        except OSError:
            pass
        self._drop()

    def _drop(self) -> None:
        for sock in (self.client, self.server):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data
