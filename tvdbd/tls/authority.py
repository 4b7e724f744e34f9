"""The local certificate authority of the drop-in mode and the server certificate it signs.

The CA lives in data_dir/tls and is name-constrained (X.509 Name Constraints, critical):
it may only vouch for `thetvdb.com` and its subdomains plus the names the operator added
when it was made, so a machine that trusts it cannot be fooled about any other site even if
its key leaks. With no IP names added, it may vouch for no IP address at all (an excluded
subtree covering every address: without it, IP names would be unconstrained).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tvdbd.errors import TlsError

# The names the published clients hard-code (API, web site, artwork host).
DROP_IN_NAMES = ("api.thetvdb.com", "thetvdb.com", "www.thetvdb.com", "artworks.thetvdb.com")
PERMITTED_DOMAIN = "thetvdb.com"
CA_DAYS = 3650
# Apple's clients refuse server certificates valid for more than 825 days, whoever signed
# them; a year and a month is what public CAs issue. `tvdbd tls init` renews it, and so does
# `tvdbd serve --drop-in` when less than RENEW_BEFORE_DAYS are left.
SERVER_DAYS = 397
RENEW_BEFORE_DAYS = 30
KEY_BITS = 2048  # RSA 2048: what the oldest TLS stacks of old tools still verify

Name = str | ipaddress.IPv4Address | ipaddress.IPv6Address
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class TlsFiles:
    """Where the CA and the server certificate live: data_dir/tls/."""

    folder: Path

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> TlsFiles:
        return cls(data_dir / "tls")

    @property
    def ca_cert(self) -> Path:
        return self.folder / "tvdbd-ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.folder / "tvdbd-ca.key"

    @property
    def server_cert(self) -> Path:
        return self.folder / "server.crt"

    @property
    def server_key(self) -> Path:
        return self.folder / "server.key"


@dataclass(frozen=True)
class Authority:
    """The CA's certificate and private key."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def permitted(self) -> list[Name]:
        """The names (DNS subtrees, single IP addresses) the CA may vouch for."""
        constraints = self.cert.extensions.get_extension_for_class(x509.NameConstraints).value
        names: list[Name] = []
        for subtree in constraints.permitted_subtrees or []:
            if isinstance(subtree, x509.DNSName):
                names.append(subtree.value)
            elif isinstance(subtree, x509.IPAddress) and isinstance(
                subtree.value, ipaddress.IPv4Network | ipaddress.IPv6Network
            ):
                names.append(subtree.value.network_address)
        return names

    def permits(self, name: Name) -> bool:
        for allowed in self.permitted:
            if isinstance(name, str) and isinstance(allowed, str):
                if name == allowed or name.endswith("." + allowed):
                    return True
            elif name == allowed:
                return True
        return False


@dataclass(frozen=True)
class InitReport:
    """What `init` did: whether it made a new CA, and the server certificate's names."""

    files: TlsFiles
    created_ca: bool
    names: list[Name]
    not_after: datetime.datetime


@dataclass(frozen=True)
class Summary:
    """What `tvdbd tls show` prints."""

    files: TlsFiles
    ca_subject: str
    ca_fingerprint: str
    ca_permitted: list[Name]
    ca_not_after: datetime.datetime
    names: list[Name]
    not_after: datetime.datetime | None


def parse_name(text: str) -> Name:
    """An operator's `--name`: a host name (lower-cased, no trailing dot) or an IP address."""
    raw = text.strip().rstrip(".").lower()
    try:
        return ipaddress.ip_address(raw.strip("[]"))
    except ValueError:
        pass
    labels = raw.split(".")
    if not raw or len(raw) > 253 or not all(_LABEL.match(label) for label in labels):
        raise TlsError(
            f"{text!r} is neither a host name (letters, digits, hyphens, dots) nor an IP address."
        )
    return raw


def init(
    files: TlsFiles,
    extra_names: Iterable[str] = (),
    *,
    new_ca: bool = False,
    now: datetime.datetime | None = None,
) -> InitReport:
    """Make the CA if there is none (or `new_ca`), then a fresh server certificate for the
    drop-in names, the names the CA was made for and `extra_names`."""
    now = now or _now()
    wanted = _unique(parse_name(name) for name in extra_names)
    authority = None if new_ca else load_authority(files)
    created = authority is None
    if authority is None:
        authority = _create_authority(files, wanted, now)
    outside = [name for name in wanted if not authority.permits(name)]
    if outside:
        raise TlsError(
            f"The CA in {files.ca_cert} was made for {_listed(authority.permitted)} only; "
            f"it cannot vouch for {_listed(outside)}. Run `tvdbd tls init --new-ca` with "
            "every --name you need (then trust the new CA wherever the old one was)."
        )
    names = _unique([*DROP_IN_NAMES, *authority.permitted, *wanted])
    not_after = _issue_server_certificate(files, authority, names, now)
    return InitReport(files, created, names, not_after)


def ensure_server_certificate(files: TlsFiles, now: datetime.datetime | None = None) -> bool:
    """For `serve --drop-in`: make the CA and the certificate when missing, renew it when it
    ends within RENEW_BEFORE_DAYS. True when something was written."""
    now = now or _now()
    if files.server_cert.exists() and files.server_key.exists() and files.ca_cert.exists():
        cert = _read_cert(files.server_cert)
        if cert.not_valid_after_utc - now > datetime.timedelta(days=RENEW_BEFORE_DAYS):
            return False
    init(files, now=now)
    return True


def load_authority(files: TlsFiles) -> Authority | None:
    """The CA of `files`, or None when there is none yet."""
    if not files.ca_cert.exists() and not files.ca_key.exists():
        return None
    if not (files.ca_cert.exists() and files.ca_key.exists()):
        raise TlsError(
            f"Only half of the CA is in {files.folder} (certificate and key belong together); "
            "run `tvdbd tls init --new-ca`."
        )
    cert = _read_cert(files.ca_cert)
    try:
        key = serialization.load_pem_private_key(files.ca_key.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise TlsError(f"Cannot read the CA key {files.ca_key}: {exc}") from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.public_key() != cert.public_key():
        raise TlsError(f"The CA key {files.ca_key} does not belong to {files.ca_cert}.")
    return Authority(cert, key)


def summary(files: TlsFiles) -> Summary:
    authority = load_authority(files)
    if authority is None:
        raise TlsError(f"There is no CA in {files.folder} yet: run `tvdbd tls init`.")
    server = _read_cert(files.server_cert) if files.server_cert.exists() else None
    return Summary(
        files=files,
        ca_subject=authority.cert.subject.rfc4514_string(),
        ca_fingerprint=authority.cert.fingerprint(hashes.SHA256()).hex(":").upper(),
        ca_permitted=authority.permitted,
        ca_not_after=authority.cert.not_valid_after_utc,
        names=_names_of(server) if server is not None else [],
        not_after=server.not_valid_after_utc if server is not None else None,
    )


def _create_authority(files: TlsFiles, extra: list[Name], now: datetime.datetime) -> Authority:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    created = now.strftime("%Y-%m-%d")
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tvdbd"),
            x509.NameAttribute(
                NameOID.COMMON_NAME, f"tvdbd drop-in CA {socket.gethostname()[:30]} {created}"
            ),
        ]
    )
    dns = [PERMITTED_DOMAIN, *(n for n in extra if isinstance(n, str) and not _under_tvdb(n))]
    ips = [ipaddress.ip_network(n) for n in extra if not isinstance(n, str)]
    permitted: list[x509.GeneralName] = [x509.DNSName(n) for n in dict.fromkeys(dns)]
    permitted += [x509.IPAddress(network) for network in ips]
    excluded: list[x509.GeneralName] | None = None
    if not ips:
        excluded = [
            x509.IPAddress(ipaddress.ip_network("0.0.0.0/0")),
            x509.IPAddress(ipaddress.ip_network("::/0")),
        ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.NameConstraints(permitted, excluded), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(files.ca_key, pem_key(key), private=True)
    _write(files.ca_cert, cert.public_bytes(serialization.Encoding.PEM), private=False)
    return Authority(cert, key)


def _issue_server_certificate(
    files: TlsFiles, authority: Authority, names: list[Name], now: datetime.datetime
) -> datetime.datetime:
    cert, key = server_certificate(authority, names, now)
    # Key first: a server starting in between finds the old pair or a key without its
    # certificate (refused cleanly), never a certificate for a key it cannot read.
    _write(files.server_key, pem_key(key), private=True)
    _write(files.server_cert, cert.public_bytes(serialization.Encoding.PEM), private=False)
    return cert.not_valid_after_utc


def server_certificate(
    authority: Authority, names: list[Name], now: datetime.datetime
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """A new key and a certificate for `names`, signed by the CA (whatever the names: the
    constraints are for the clients to enforce, and the tests show that they do)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    sans: list[x509.GeneralName] = [
        x509.DNSName(n) if isinstance(n, str) else x509.IPAddress(n) for n in names
    ]
    first = next((n for n in names if isinstance(n, str)), str(names[0]))
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, str(first))]))
        .issuer_name(authority.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=SERVER_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, key_encipherment=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
            critical=False,
        )
        .sign(authority.key, hashes.SHA256())
    )
    return cert, key


def _key_usage(**wanted: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
         "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"),
        False,
    )  # fmt: skip
    return x509.KeyUsage(**{**flags, **wanted})


def _names_of(cert: x509.Certificate) -> list[Name]:
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    ips = [
        ip
        for ip in sans.get_values_for_type(x509.IPAddress)
        if isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address)
    ]
    return [*sans.get_values_for_type(x509.DNSName), *ips]


def _read_cert(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise TlsError(f"Cannot read the certificate {path}: {exc}") from None


def pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write(path: Path, data: bytes, *, private: bool) -> None:
    """Write through a new file renamed into place; a private one is mode 0600 from birth."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise TlsError(f"Cannot write {path}: {exc.strerror or exc}.") from None


def _under_tvdb(name: str) -> bool:
    return name == PERMITTED_DOMAIN or name.endswith("." + PERMITTED_DOMAIN)


def _unique(names: Iterable[Name]) -> list[Name]:
    return list(dict.fromkeys(names))


def _listed(names: Iterable[Name]) -> str:
    return ", ".join(str(n) for n in names)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)
