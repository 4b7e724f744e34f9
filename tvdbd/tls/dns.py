"""The name records that send the TheTVDB names to a tvdbd server, for hosts files, dnsmasq /
Pi-hole and unbound. Only the four names the clients use: api4.thetvdb.com (API v4, which
tvdbd itself may read from) and every other name under thetvdb.com keep resolving as before."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from tvdbd.tls.authority import DROP_IN_NAMES

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_addresses(raw: Iterable[str]) -> list[Address]:
    """The `--address` values as IP addresses; a ValueError names a bad one."""
    addresses: list[Address] = []
    for text in raw:
        try:
            addresses.append(ipaddress.ip_address(text.strip().strip("[]")))
        except ValueError:
            raise ValueError(f"{text!r} is not an IPv4 or IPv6 address.") from None
    return list(dict.fromkeys(addresses))


def snippets(raw_addresses: Iterable[str]) -> str:
    addresses = parse_addresses(raw_addresses)
    names = " ".join(DROP_IN_NAMES)
    hosts = "\n".join(f"{address}\t{names}" for address in addresses)
    v4 = next((str(a) for a in addresses if a.version == 4), "")
    v6 = next((str(a) for a in addresses if a.version == 6), "")
    dnsmasq = f"host-record={','.join(DROP_IN_NAMES)},{','.join(filter(None, (v4, v6)))}"
    unbound = ["server:", '    local-zone: "thetvdb.com." transparent']
    for name in DROP_IN_NAMES:
        for address in addresses:
            kind = "A" if address.version == 4 else "AAAA"
            unbound.append(f'    local-data: "{name}. IN {kind} {address}"')
    pihole = "\n".join(f"{address} {name}" for address in addresses for name in DROP_IN_NAMES)
    return f"""\
# --- hosts file: /etc/hosts (Linux, macOS), C:\\Windows\\System32\\drivers\\etc\\hosts ---
# tvdbd drop-in
{hosts}
# --- end tvdbd drop-in

# --- dnsmasq (/etc/dnsmasq.d/tvdbd.conf): these exact names only ---
{dnsmasq}

# --- Pi-hole: Local DNS > DNS Records, one line each (v5: /etc/pihole/custom.list) ---
{pihole}

# --- unbound (/etc/unbound/unbound.conf.d/tvdbd.conf): other thetvdb.com names unchanged ---
{chr(10).join(unbound)}

# The machine running tvdbd should not use these entries itself if it reads from TheTVDB v4
# (read-through or `tvdbd sync` fetch artwork from artworks.thetvdb.com)."""
