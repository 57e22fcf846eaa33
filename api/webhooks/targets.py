"""Where a webhook may point, and the one HTTP request a delivery makes.

Server-side request forgery (OWASP SSRF Prevention Cheat Sheet): outside development a target
must be https and every address its host resolves to must be public (not loopback, private,
link-local, reserved, multicast, unspecified, shared or IPv4-mapped onto one of those). The
check runs when the webhook is registered and again before every delivery; the delivery then
connects to the very address it checked, with the host's name in the Host header, SNI and the
certificate check (urllib3 `server_hostname` / `assert_hostname`), so a DNS answer that changes
between the check and the connection (DNS rebinding) cannot steer it. Redirects are not
followed; the request times out after WEBHOOK_TIMEOUT_SECONDS (5 s) in all.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
EXCERPT = 1000  # characters of the receiver's answer kept on the delivery row


class TargetRefused(ValueError):
    """The URL may not receive webhooks; the message says why in the admin's words."""


@dataclass(frozen=True)
class Target:
    """A checked URL: `host` (a name or an IP literal), `port`, `path` (with the query),
    `address` (the IP to connect to), `https`."""

    https: bool
    host: str
    port: int
    path: str
    address: str


@dataclass(frozen=True)
class Answer:
    """The receiver's answer: HTTP `status` and the first EXCERPT characters of its body."""

    status: int
    excerpt: str


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (getaddrinfo, TCP); raises TargetRefused when none."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(f"The host {host} could not be resolved.") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise TargetRefused(f"The host {host} could not be resolved.")
    return addresses


def is_public(address: IPAddress) -> bool:
    """True for a globally routable unicast address (Python `ipaddress` IANA registries)."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        return is_public(mapped)
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def parse(url: str, *, allow_local: bool) -> tuple[bool, str, int, str]:
    """Split `url` into (https, host, port, path); raise TargetRefused for a URL that is not
    an absolute http(s) URL (http only with `allow_local`), or has credentials or a fragment."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise TargetRefused("Enter a valid URL.") from exc
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise TargetRefused("Enter a full URL starting with https://.")
    if parts.scheme == "http" and not allow_local:
        raise TargetRefused("Use an https:// URL: webhooks are not sent over plain http.")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("Leave user names and passwords out of the URL.")
    if parts.fragment:
        raise TargetRefused("Leave the #fragment out of the URL.")
    https = parts.scheme == "https"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return https, parts.hostname, port or (443 if https else 80), path


def check(url: str, *, allow_local: bool) -> Target:
    """Parse `url` and resolve its host; return the Target to connect to.

    Raises TargetRefused (the reason in words) for a malformed URL, a host that does not
    resolve, or, unless `allow_local` (development), any resolved address that is not public.
    """
    https, host, port, path = parse(url, allow_local=allow_local)
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = resolve(host, port)
    if not allow_local:
        for address in addresses:
            if not is_public(ipaddress.ip_address(address.split("%", 1)[0])):
                raise TargetRefused(
                    f"{host} points at a private, loopback or link-local address ({address}); "
                    "webhooks go to public addresses only."
                )
    return Target(https=https, host=host, port=port, path=path, address=addresses[0])


def post(target: Target, body: bytes, headers: dict[str, str], *, timeout: float) -> Answer:
    """POST `body` to the checked `target`'s address; never follows a redirect.

    Raises OSError subclasses of urllib3 (`urllib3.exceptions.HTTPError`) on connection
    failures and timeouts; any HTTP answer, 3xx included, is returned as an Answer.
    """
    import certifi
    import urllib3

    default_port = 443 if target.https else 80
    host_header = target.host if ":" not in target.host else f"[{target.host}]"
    if target.port != default_port:
        host_header = f"{host_header}:{target.port}"
    common = {
        "host": target.address,
        "port": target.port,
        "timeout": urllib3.Timeout(total=timeout),
        "retries": False,
        "maxsize": 1,
    }
    if target.https:
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            **common,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(**common)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            assert_same_host=False,
            preload_content=False,
        )
        try:
            raw = response.read(EXCERPT * 4, decode_content=True) or b""
        finally:
            response.release_conn()
        return Answer(response.status, raw.decode("utf-8", "replace")[:EXCERPT])
    finally:
        pool.close()
