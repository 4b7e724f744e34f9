"""`tvdbd tls init`, `tvdbd tls show` and `tvdbd dns`, through click's runner."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tvdbd.cli import main


def _run(data_dir: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--data-dir", str(data_dir), *args])
    return result.exit_code, result.output


def test_init_prints_the_ca_path_and_how_to_trust_it_everywhere(tmp_path: Path) -> None:
    code, out = _run(tmp_path, "tls", "init", "--name", "tvdbd.lan")
    assert code == 0, out
    ca = (tmp_path / "tls" / "tvdbd-ca.crt").resolve()
    assert f"Made a new certificate authority: {ca}" in out
    for platform in ("Debian/Ubuntu", "Fedora", "macOS", "Windows", "Python", "Node.js", "Java"):
        assert platform in out
    for step in ("update-ca-certificates", "update-ca-trust", "security add-trusted-cert",
                 "certutil -addstore", "REQUESTS_CA_BUNDLE=", "SSL_CERT_FILE=", "certifi",
                 "NODE_EXTRA_CA_CERTS=", "keytool -importcert"):  # fmt: skip
        assert step in out, step
    assert "Android apps" in out
    assert "tvdbd.lan" in out
    # The private key is never printed.
    key = (tmp_path / "tls" / "tvdbd-ca.key").read_text()
    assert "PRIVATE KEY" not in out and key.splitlines()[1] not in out


def test_init_again_keeps_the_ca_and_show_tells_names_and_expiry(tmp_path: Path) -> None:
    _run(tmp_path, "tls", "init", "--name", "192.168.7.7")
    code, out = _run(tmp_path, "tls", "init")
    assert code == 0 and "Kept the certificate authority" in out
    code, out = _run(tmp_path, "tls", "show")
    assert code == 0, out
    assert f"CA file:        {(tmp_path / 'tls' / 'tvdbd-ca.crt').resolve()}" in out
    assert "CA may vouch for: thetvdb.com, 192.168.7.7 (name constraints)" in out
    names = "api.thetvdb.com, thetvdb.com, www.thetvdb.com, artworks.thetvdb.com, 192.168.7.7"
    assert f"  names:        {names}" in out
    assert "  expires:      20" in out


def test_show_without_a_ca_and_init_with_a_foreign_name_fail_cleanly(tmp_path: Path) -> None:
    code, out = _run(tmp_path, "tls", "show")
    assert code == 1 and "run `tvdbd tls init`" in out
    _run(tmp_path, "tls", "init")
    code, out = _run(tmp_path, "tls", "init", "--name", "other.example")
    assert code == 1 and "--new-ca" in out and "Traceback" not in out


def test_dns_prints_hosts_dnsmasq_pihole_and_unbound_records(tmp_path: Path) -> None:
    code, out = _run(tmp_path, "dns", "--address", "192.168.1.5", "--address", "fd00::5")
    assert code == 0, out
    names = ["api.thetvdb.com", "thetvdb.com", "www.thetvdb.com", "artworks.thetvdb.com"]
    assert f"192.168.1.5\t{' '.join(names)}" in out.splitlines()
    assert f"fd00::5\t{' '.join(names)}" in out.splitlines()
    assert f"host-record={','.join(names)},192.168.1.5,fd00::5" in out
    assert "192.168.1.5 artworks.thetvdb.com" in out.splitlines()
    assert '    local-zone: "thetvdb.com." transparent' in out
    for name in names:
        assert f'    local-data: "{name}. IN A 192.168.1.5"' in out
        assert f'    local-data: "{name}. IN AAAA fd00::5"' in out
    # Only the four names: the v4 API host (which tvdbd may read from) is left alone.
    assert "api4" not in out and "address=/thetvdb.com/" not in out


def test_dns_refuses_what_is_not_an_address(tmp_path: Path) -> None:
    code, out = _run(tmp_path, "dns", "--address", "tvdbd.lan")
    assert code == 2 and "'tvdbd.lan' is not an IPv4 or IPv6 address" in out
    code, out = _run(tmp_path, "dns")
    assert code == 2 and "--address" in out
