"""TLS between the terminals and the store server: the two contexts, and the terminal's side
of a connection (the server's is in store/tls_server.py).

Imported only when TLS is configured (`ssl` costs a terminal ~15 ms of start-up).

Both sides run OpenSSL over memory buffers (ssl.MemoryBIO), not ssl.SSLSocket. An SSL object
must never be used by two threads at once, and both sides have two: the server's loop reads
while workers send replies; the terminal's reader thread reads while any thread sends.
With memory buffers every call into OpenSSL is short, never touches the network and runs
under a lock, while the waiting for the network happens outside it. OpenSSL then never
wants to write while reading (no SSLWantWriteError to chase), and all it has decrypted is
read out at once, so nothing waits in its buffers where epoll cannot see it.

TLS 1.2 or newer. The terminal checks the server's certificate against the shop's CA file
(server.tls_ca) and the name it connects to (server.host): the certificate must carry that
name or IP address in its subjectAltName.
"""
from __future__ import annotations

import io
import socket
import ssl
import threading

from store.config import ConfigError

RECV_BYTES = 65536


class TlsFailed(Exception):
    """The terminal could not set up TLS with the store server; the message is one line for
    the clerk, starting with "TLS:"."""


def server_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """The store server's context; ConfigError naming the file when it cannot be used."""
    if not cert_file or not key_file:
        raise ConfigError("TLS needs both server.tls_cert and server.tls_key "
                          "(--tls-cert and --tls-key)")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_RENEGOTIATION
    try:
        context.load_cert_chain(cert_file, key_file)
    except OSError as e:
        if isinstance(e, ssl.SSLError):
            raise ConfigError(f"server.tls_cert {cert_file} and server.tls_key {key_file} are "
                              f"not a PEM certificate and its key ({e.reason or e})") from None
        raise ConfigError(f"cannot read {e.filename or cert_file}: {e.strerror}") from None
    return context


def client_context(ca_file: str) -> ssl.SSLContext:
    """The terminal's context: trusts only the shop's CA, checks the server's name."""
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file)
    except OSError as e:
        if isinstance(e, ssl.SSLError):
            raise ConfigError(f"server.tls_ca {ca_file} holds no PEM certificate "
                              f"({e.reason or e})") from None
        raise ConfigError(f"server.tls_ca: cannot read {ca_file}: {e.strerror}") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def connect(sock: socket.socket, ca_file: str, server_name: str) -> "TlsChannel":
    """TLS over a connected socket, handshake done (within the socket's timeout); TlsFailed
    with the reason in one line."""
    try:
        context = client_context(ca_file)
    except ConfigError as e:
        raise TlsFailed(f"TLS: {e}") from None
    channel = TlsChannel(sock, context, server_name)
    channel.handshake(server_name)
    return channel


class TlsChannel:
    """The terminal's TLS connection, used like its socket: `sendall` from any thread,
    `makefile("rb")` for the one reader thread, `shutdown` and `close`."""

    def __init__(self, sock: socket.socket, context: ssl.SSLContext, server_name: str):
        self._sock = sock
        self._incoming, self._outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self._tls = context.wrap_bio(self._incoming, self._outgoing, server_hostname=server_name)
        self._lock = threading.Lock()        # the SSL object; held for short calls only
        self._write_lock = threading.Lock()  # records reach the wire in the order made

    def handshake(self, server_name: str) -> None:
        try:
            while True:
                try:
                    self._tls.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    self._send_pending()
                    data = self._sock.recv(RECV_BYTES)
                    if not data:
                        raise TlsFailed("TLS: the store server closed the connection during "
                                        "the handshake") from None
                    if data.startswith(b"{"):
                        raise TlsFailed(_plain_answer()) from None
                    self._incoming.write(data)
            self._send_pending()
        except ssl.SSLCertVerificationError as e:
            self._send_alert()
            raise TlsFailed(f"TLS: the store server's certificate is not trusted "
                            f"({e.verify_message}; it must be signed by the CA in "
                            f"server.tls_ca and name {server_name})") from None
        except ssl.SSLError as e:
            self._send_alert()
            raise TlsFailed(f"TLS: the handshake with the store server failed "
                            f"({e.reason or e})") from None
        except TimeoutError:
            raise TlsFailed("TLS: the store server did not complete the handshake in time "
                            "(is it a plain, non-TLS server?)") from None
        except OSError as e:
            raise TlsFailed(f"TLS: the connection failed during the handshake "
                            f"({e.strerror or e})") from None

    def sendall(self, data: bytes) -> None:
        with self._write_lock:
            with self._lock:
                self._tls.write(data)
                records = self._outgoing.read()
            self._sock.sendall(records)

    def recv(self, size: int) -> bytes:
        """Up to `size` bytes the server sent, waiting for some; b"" when it has closed."""
        while True:
            with self._lock:
                try:
                    data: bytes | None = self._tls.read(size)
                except ssl.SSLWantReadError:
                    data = None
                except ssl.SSLZeroReturnError:
                    data = b""  # the server's close_notify
                made = self._outgoing.read() if self._outgoing.pending else b""
            if made:  # OpenSSL's own answer to something it read
                with self._write_lock:
                    self._sock.sendall(made)
            if data is not None:
                return data
            raw = self._sock.recv(RECV_BYTES)
            if not raw:
                return b""
            with self._lock:
                self._incoming.write(raw)

    def makefile(self, mode: str = "rb") -> io.BufferedReader:
        return io.BufferedReader(_Reader(self))

    def shutdown(self, how: int) -> None:
        self._sock.shutdown(how)

    def close(self) -> None:
        self._sock.close()

    def _send_pending(self) -> None:
        if self._outgoing.pending:
            self._sock.sendall(self._outgoing.read())

    def _send_alert(self) -> None:
        """Tell the server why we gave up (it logs the alert), if it still listens."""
        try:
            self._send_pending()
        except OSError:
            pass


class _Reader(io.RawIOBase):
    def __init__(self, channel: TlsChannel):
        self._channel = channel

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "bytearray | memoryview") -> int:  # type: ignore[override]
        data = self._channel.recv(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _plain_answer() -> str:
    return ("TLS: the store server answered in plain text: it does not speak TLS (start it "
            "with --tls-cert and --tls-key, or leave server.tls_ca empty)")
