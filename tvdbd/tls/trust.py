"""How to make each platform trust the local CA (printed by `tvdbd tls init`; docs/drop-in.md
says the same at more length)."""

from __future__ import annotations

from pathlib import Path


def instructions(ca_file: Path) -> str:
    """The trust steps for every platform we know, with the CA file's real path in them."""
    ca = str(ca_file.resolve())
    return f"""\
Trust this CA on each machine whose tools should reach tvdbd as api.thetvdb.com
(copy {ca} there first). It can vouch only for thetvdb.com names and the names
you added (X.509 name constraints), so trusting it cannot expose any other site.

  Debian/Ubuntu  sudo cp {ca} /usr/local/share/ca-certificates/tvdbd-ca.crt
                 sudo update-ca-certificates
  Fedora/RHEL    sudo cp {ca} /etc/pki/ca-trust/source/anchors/tvdbd-ca.crt
                 sudo update-ca-trust
  macOS          sudo security add-trusted-cert -d -r trustRoot \\
                   -k /Library/Keychains/System.keychain {ca}
  Windows        certutil -addstore -f Root tvdbd-ca.crt        (as Administrator)
  Python         export REQUESTS_CA_BUNDLE={ca}   (requests, tvdb_api, tvnamer)
                 export SSL_CERT_FILE={ca}        (urllib, httpx, aiohttp)
                 certifi users: append it to the file `python -m certifi` prints
  Node.js        export NODE_EXTRA_CA_CERTS={ca}
  Java           keytool -importcert -cacerts -storepass changeit -noprompt \\
                   -alias tvdbd-ca -file {ca}
  curl           export CURL_CA_BUNDLE={ca}

Setting REQUESTS_CA_BUNDLE / SSL_CERT_FILE replaces the usual CA list for that program:
use the system store (first lines) when it must also reach other HTTPS sites.
Cannot be made to trust it: Android apps (they ignore user-installed CAs unless the app
opts in), iOS apps that pin certificates, and any tool that pins TheTVDB's certificate.
Then point the names at tvdbd: `tvdbd dns --address <this machine's address>`."""
