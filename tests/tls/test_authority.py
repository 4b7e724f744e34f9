"""The local CA of the drop-in mode: what `init` writes, and that its name constraints hold.

The constraint tests sign certificates with the CA's own key for names it must not vouch
for (what a thief of the key could do) and serve them on loopback; Python's `ssl` and curl,
trusting only this CA, must refuse them, and accept the same kind of certificate for
api.thetvdb.com (so the refusals are about the names and nothing else).
"""

from __future__ import annotations

import datetime
import ipaddress
import shutil
import socket
import ssl
import stat
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tvdbd.errors import TlsError
from tvdbd.tls.authority import (
    DROP_IN_NAMES,
    Name,
    TlsFiles,
    ensure_server_certificate,
    init,
    load_authority,
    pem_key,
    server_certificate,
    summary,
)


@pytest.fixture
def files(tmp_path: Path) -> TlsFiles:
    return TlsFiles.in_data_dir(tmp_path / "data")


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _sans(cert: x509.Certificate) -> list[object]:
    value = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [*value.get_values_for_type(x509.DNSName), *value.get_values_for_type(x509.IPAddress)]


def test_init_makes_a_ca_and_a_server_certificate_for_the_thetvdb_names(files: TlsFiles) -> None:
    report = init(files)
    assert report.created_ca
    assert _sans(_cert(files.server_cert)) == list(DROP_IN_NAMES)
    for key in (files.ca_key, files.server_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    # The server certificate is signed by the CA and is for serving only.
    ca, server = _cert(files.ca_cert), _cert(files.server_cert)
    server.verify_directly_issued_by(ca)
    usage = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]
    assert server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    days = (server.not_valid_after_utc - server.not_valid_before_utc).days
    assert days <= 825  # Apple's limit for any TLS server certificate


def test_the_ca_is_constrained_to_thetvdb_com_and_may_sign_no_other_ca(files: TlsFiles) -> None:
    init(files)
    ca = _cert(files.ca_cert)
    basic = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca and basic.value.path_length == 0
    constraints = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    assert constraints.value.permitted_subtrees == [x509.DNSName("thetvdb.com")]
    # No IP name was added: every IP address is excluded (else IP names were unconstrained).
    assert constraints.value.excluded_subtrees == [
        x509.IPAddress(ipaddress.ip_network("0.0.0.0/0")),
        x509.IPAddress(ipaddress.ip_network("::/0")),
    ]


def test_added_names_go_into_the_constraints_and_the_certificate(files: TlsFiles) -> None:
    init(files, ["TVDBD.lan.", "192.168.1.5", "fd00::5"])
    ca = _cert(files.ca_cert)
    constraints = ca.extensions.get_extension_for_class(x509.NameConstraints).value
    assert constraints.permitted_subtrees == [
        x509.DNSName("thetvdb.com"),
        x509.DNSName("tvdbd.lan"),
        x509.IPAddress(ipaddress.ip_network("192.168.1.5/32")),
        x509.IPAddress(ipaddress.ip_network("fd00::5/128")),
    ]
    assert constraints.excluded_subtrees is None
    assert _sans(_cert(files.server_cert)) == [
        *DROP_IN_NAMES,
        "tvdbd.lan",
        ipaddress.ip_address("192.168.1.5"),
        ipaddress.ip_address("fd00::5"),
    ]


def test_rerunning_init_keeps_the_ca_and_renews_the_server_certificate(files: TlsFiles) -> None:
    init(files, ["tvdbd.lan"])
    ca_before, key_before = files.ca_cert.read_bytes(), files.ca_key.read_bytes()
    server_before = _cert(files.server_cert)
    report = init(files)
    assert not report.created_ca
    assert files.ca_cert.read_bytes() == ca_before and files.ca_key.read_bytes() == key_before
    server_after = _cert(files.server_cert)
    assert server_after.serial_number != server_before.serial_number
    # The names the CA was made for stay on the renewed certificate.
    assert _sans(server_after) == [*DROP_IN_NAMES, "tvdbd.lan"]
    server_after.verify_directly_issued_by(_cert(files.ca_cert))


def test_a_name_the_ca_was_not_made_for_is_refused_with_the_way_out(files: TlsFiles) -> None:
    init(files)
    with pytest.raises(TlsError, match=r"cannot vouch for other\.lan.*--new-ca"):
        init(files, ["other.lan"])
    # A subdomain of a permitted name is fine.
    assert "api2.thetvdb.com" in init(files, ["api2.thetvdb.com"]).names
    report = init(files, ["other.lan"], new_ca=True)
    assert report.created_ca and "other.lan" in report.names


@pytest.mark.parametrize("bad", ["", "exa mple.org", "-x.lan", "*.lan", "a..b", "x" * 64])
def test_a_name_that_is_neither_host_nor_address_is_refused(files: TlsFiles, bad: str) -> None:
    with pytest.raises(TlsError, match="neither a host name"):
        init(files, [bad])
    assert not files.ca_cert.exists()


def test_summary_tells_the_ca_the_names_and_the_expiry(files: TlsFiles) -> None:
    with pytest.raises(TlsError, match="tvdbd tls init"):
        summary(files)
    report = init(files, ["10.1.2.3"])
    info = summary(files)
    assert info.ca_permitted == ["thetvdb.com", ipaddress.ip_address("10.1.2.3")]
    assert info.names == report.names and info.not_after == report.not_after
    assert len(info.ca_fingerprint.split(":")) == 32


def test_serve_makes_a_missing_certificate_and_renews_one_near_its_end(files: TlsFiles) -> None:
    assert ensure_server_certificate(files)
    first = _cert(files.server_cert)
    assert not ensure_server_certificate(files)  # still valid for a year: left alone
    near_end = first.not_valid_after_utc - datetime.timedelta(days=10)
    assert ensure_server_certificate(files, now=near_end)
    assert _cert(files.server_cert).serial_number != first.serial_number


def test_half_a_ca_is_an_error_not_a_silent_new_one(files: TlsFiles) -> None:
    init(files)
    files.ca_key.unlink()
    with pytest.raises(TlsError, match="Only half of the CA"):
        init(files)


# --- The constraints hold in real clients -------------------------------------------------


@contextmanager
def tls_server(cert: Path, key: Path) -> Iterator[int]:
    """A loopback TLS server that completes handshakes and answers one line; its port."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(5)
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1024)
                    tls.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            except (ssl.SSLError, OSError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def _signed(files: TlsFiles, tmp_path: Path, names: list[Name]) -> tuple[Path, Path]:
    authority = load_authority(files)
    assert authority is not None
    cert, key = server_certificate(authority, names, datetime.datetime.now(datetime.UTC))
    cert_path, key_path = tmp_path / "leaf.crt", tmp_path / "leaf.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(pem_key(key))
    return cert_path, key_path


def _python_connects(ca: Path, port: int, server_name: str) -> str:
    """'ok', or the reason Python's ssl (trusting only `ca`) gave for refusing."""
    context = ssl.create_default_context(cafile=str(ca))
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=server_name) as tls,
        ):
            tls.sendall(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
            return "ok" if tls.recv(100).endswith(b"ok") else "no answer"
    except ssl.SSLCertVerificationError as exc:
        return str(exc.verify_message)


def _curl(ca: Path, port: int, host: str) -> subprocess.CompletedProcess[str]:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    target = f"[{host}]" if ":" in host else host
    resolve = [] if host[0].isdigit() or ":" in host else ["--resolve", f"{host}:{port}:127.0.0.1"]
    return subprocess.run(
        [curl, "-sS", "--max-time", "10", "--cacert", str(ca), *resolve,
         f"https://{target}:{port}/"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip


def test_a_certificate_for_the_thetvdb_names_is_accepted(files: TlsFiles, tmp_path: Path) -> None:
    init(files)
    with tls_server(files.server_cert, files.server_key) as port:
        assert _python_connects(files.ca_cert, port, "api.thetvdb.com") == "ok"
        done = _curl(files.ca_cert, port, "artworks.thetvdb.com")
        assert done.returncode == 0 and done.stdout == "ok", done.stderr


@pytest.mark.parametrize("name", ["example.org", "thetvdb.com.example.org", "xthetvdb.com"])
def test_a_certificate_the_ca_signs_for_another_name_is_refused(
    files: TlsFiles, tmp_path: Path, name: str
) -> None:
    init(files)
    cert, key = _signed(files, tmp_path, [name])
    with tls_server(cert, key) as port:
        assert _python_connects(files.ca_cert, port, name) == "permitted subtree violation"
        done = _curl(files.ca_cert, port, name)
        assert done.returncode == 60, done  # CURLE_PEER_FAILED_VERIFICATION
        assert "permitted subtree violation" in done.stderr


def test_a_certificate_the_ca_signs_for_an_ip_address_is_refused(
    files: TlsFiles, tmp_path: Path
) -> None:
    init(files)
    cert, key = _signed(files, tmp_path, [ipaddress.ip_address("127.0.0.1")])
    with tls_server(cert, key) as port:
        assert _python_connects(files.ca_cert, port, "127.0.0.1") == "excluded subtree violation"
        done = _curl(files.ca_cert, port, "127.0.0.1")
        assert done.returncode == 60 and "excluded subtree violation" in done.stderr, done


def test_an_added_ip_address_is_accepted_and_its_neighbour_refused(
    files: TlsFiles, tmp_path: Path
) -> None:
    init(files, ["127.0.0.1"])
    with tls_server(files.server_cert, files.server_key) as port:
        assert _python_connects(files.ca_cert, port, "127.0.0.1") == "ok"
    cert, key = _signed(files, tmp_path, [ipaddress.ip_address("127.0.0.2")])
    with tls_server(cert, key) as port:
        context = ssl.create_default_context(cafile=str(files.ca_cert))
        with (
            pytest.raises(ssl.SSLCertVerificationError, match="permitted subtree violation"),
            socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        ):
            context.wrap_socket(raw, server_hostname="127.0.0.2")
