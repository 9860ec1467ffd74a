"""Outbound HTTP to a URL a customer typed: only to public addresses, and only to the one checked.

A webhook URL is chosen by a county admin. Without care it turns this server into a proxy into its
own network (the cloud metadata service, PostgreSQL, Redis, a router's console) whose answers can
be read back: server-side request forgery. Three rules close it:

- the host is resolved and *every* address it resolves to must be public (:func:`refusal`), when
  the subscription is created and again before each delivery, since DNS answers change;
- the request goes to an address that was checked (:func:`post`), with the URL's own ``Host``
  header and TLS server name, so a second resolution between check and connect (DNS rebinding)
  has nothing to act on; TLS still verifies the certificate against the URL's host name;
- nothing the receiver answers is read beyond its status line, so even a hole here reads nothing
  back.

This module knows no Flask and no database: the caller hands it a :class:`Policy`.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    SSLError,
)
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util import make_headers

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Instance metadata services answer with cloud credentials: never a webhook, whatever the policy
# allows. AWS, Huawei Cloud and OpenStack use 169.254.169.254 (AWS also fd00:ec2::254), Alibaba
# Cloud 100.100.100.200, Tencent Cloud 169.254.0.23; link-local as a whole is refused the same way.
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.0.23", "100.100.100.200", "fd00:ec2::254")
)
LINK_LOCAL = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))

# Named so the stored reason says what the address is; ``is_global`` below catches the rest.
BLOCKED = tuple(
    (ipaddress.ip_network(net), reason)
    for net, reason in (
        ("0.0.0.0/8", "unspecified"),
        ("127.0.0.0/8", "loopback"),
        ("10.0.0.0/8", "private"),
        ("172.16.0.0/12", "private"),
        ("192.168.0.0/16", "private"),
        ("100.64.0.0/10", "shared (CGNAT)"),
        ("192.0.0.0/24", "reserved"),
        ("198.18.0.0/15", "reserved"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("fc00::/7", "private (ULA)"),
        ("ff00::/8", "multicast"),
        ("64:ff9b:1::/48", "private (local NAT64)"),
    )
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix: the IPv4 address is inside
MAX_ADDRESSES = 3  # addresses tried in turn when one does not accept the connection


class Refused(Exception):
    """The URL may not be called; ``code`` is the problem code, ``reason`` a short word."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Failed(Exception):
    """The request did not get a status line; ``kind`` is one short stable word."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class Policy:
    allow_http: bool = False
    # Networks an operator vouches for (a receiver on the county's government extranet, a test
    # receiver on 127.0.0.1). Metadata and link-local addresses stay refused even inside them.
    allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    ca_certs: str | None = None  # None: the system's trust store
    timeout: float = 5.0

    @classmethod
    def parse_networks(cls, text: str | None) -> tuple:
        return tuple(
            ipaddress.ip_network(n.strip(), strict=False)
            for n in (text or "").split(",")
            if n.strip()
        )


@dataclass(frozen=True)
class Target:
    """A vetted URL: where to connect, and what to say the host is."""

    scheme: str
    hostname: str  # for TLS: server name and certificate check
    host_header: str  # host[:port] exactly as the URL wrote it
    port: int
    path: str
    addresses: tuple[Address, ...]
    basic_auth: str | None


def _embedded_ipv4(ip: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address really reaches (mapped, NAT64, 6to4), if any."""
    if ip.version != 6:
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def refusal(ip: Address, allowed_networks: tuple = ()) -> str | None:
    """Why ``ip`` may not be called (a short word), or None when it may."""
    inner = _embedded_ipv4(ip)
    if inner is not None:
        return refusal(inner, allowed_networks)
    if ip in METADATA:
        return "metadata"
    if any(ip in net for net in LINK_LOCAL):
        return "link-local"
    if any(ip in net for net in allowed_networks):
        return None
    for net, reason in BLOCKED:
        if ip in net:
            return reason
    if not ip.is_global or ip.is_multicast:
        return "not public"  # documentation, benchmarking, Teredo, discard-only ranges …
    return None


def resolve_host(host: str, port: int) -> list[Address]:
    """Every address ``host`` resolves to, in the resolver's order (tests replace this)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[Address, None] = {}
    for _family, _type, _proto, _name, sockaddr in infos:
        seen.setdefault(ipaddress.ip_address(sockaddr[0].split("%", 1)[0]), None)
    return list(seen)


def vet(url: str, policy: Policy) -> Target:
    """Parse ``url``, resolve its host and check every address; raise :class:`Refused`."""
    # Spaces, control characters and non-ASCII (use punycode) cannot go into a request line or a
    # Host header as they are.
    if not url.isascii() or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise Refused("webhook.bad_url", "bad url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused("webhook.bad_url", "bad url") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("webhook.bad_url", "bad url")
    if parts.scheme == "http" and not policy.allow_http:
        raise Refused("webhook.https_required", "https required")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = resolve_host(parts.hostname, port)
    except (OSError, UnicodeError) as exc:  # socket.gaierror is an OSError
        raise Refused("webhook.host_unresolvable", "unresolvable") from exc
    if not addresses:
        raise Refused("webhook.host_unresolvable", "unresolvable")
    # One private answer refuses the host: a client could be steered to it by ordering alone.
    for address in addresses:
        reason = refusal(address, policy.allowed_networks)
        if reason:
            raise Refused("webhook.address_not_allowed", reason)
    auth = None
    if parts.username is not None:
        # As a browser would: the URL carries them percent-encoded, the header wants them plain.
        auth = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return Target(
        scheme=parts.scheme,
        hostname=parts.hostname,
        host_header=parts.netloc.rsplit("@", 1)[-1],
        port=port,
        path=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
        addresses=tuple(addresses),
        basic_auth=auth,
    )


def _pool(target: Target, address: Address, policy: Policy) -> urllib3.HTTPConnectionPool:
    timeout = urllib3.Timeout(connect=policy.timeout, read=policy.timeout)
    if target.scheme == "http":
        return urllib3.HTTPConnectionPool(str(address), target.port, timeout=timeout, retries=False)
    # Connect to the checked address, but speak TLS to the URL's host: SNI and the certificate
    # check both use the host name, so pinning the address weakens nothing.
    return urllib3.HTTPSConnectionPool(
        str(address),
        target.port,
        timeout=timeout,
        retries=False,
        cert_reqs="CERT_REQUIRED",
        ca_certs=policy.ca_certs,
        server_hostname=target.hostname,
        assert_hostname=target.hostname,
    )


def _kind(exc: HTTPError) -> str:
    if isinstance(exc, NewConnectionError):
        refused = isinstance(exc.__cause__, ConnectionRefusedError) or "refused" in str(exc)
        return "connection_refused" if refused else "connection_failed"
    if isinstance(exc, Urllib3Timeout):
        return "timeout"
    if isinstance(exc, SSLError):
        return "tls_error"
    if isinstance(exc, ProtocolError):
        return "connection_dropped"
    return "connection_failed"


def post(target: Target, body: bytes, headers: dict, policy: Policy) -> int:
    """POST ``body`` to a vetted target; the status code, or :class:`Failed`.

    The response body is never read: the connection is closed after the status line and headers.
    """
    headers = {**headers, "Host": target.host_header}
    if target.basic_auth:
        headers["Authorization"] = make_headers(basic_auth=target.basic_auth)["authorization"]
    failure = "connection_failed"
    for address in target.addresses[:MAX_ADDRESSES]:
        pool = _pool(target, address, policy)
        try:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers=headers,
                redirect=False,
                preload_content=False,
            )
            status = response.status
            response.close()
            return status
        except HTTPError as exc:
            failure = _kind(exc)
            # Only a connection that never opened moves on to the next address: once the request
            # went out (a read timeout), another address would deliver it twice.
            if not isinstance(exc, ConnectTimeoutError):
                break
        finally:
            pool.close()
    raise Failed(failure)
