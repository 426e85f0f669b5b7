"""SSRF protection for webhook targets.

A target URL is parsed once, by urllib3 (the library that sends the request), and must
read the same to the standard library's parser; anything the two could read differently
(a backslash, userinfo, percent-encoded or non-canonical numeric hosts, control
characters) is refused outright. The host is then resolved once, every address it
resolves to is checked, and the request is sent to the checked address itself, with the
original name in the Host header and in TLS (SNI and certificate check): a DNS answer
that changes between the check and the connection (rebinding) cannot redirect it.

Checked when a subscription is saved and again before each delivery (DNS can change in
between). `WEBHOOK_ALLOW_PRIVATE_TARGETS` (development only) skips the address policy,
never the parsing or the pinning.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import idna
import urllib3
from django.conf import settings
from urllib3.exceptions import LocationParseError

MAX_URL_LENGTH = 500
# Characters a URL may hold as typed: printable ASCII, no space and no backslash. Anything
# else (controls, tabs, newlines, which some parsers silently drop) is refused, not cleaned.
_URL_CHARS = re.compile(r"[!-\[\]-~]+")
# A last label that is numeric (or 0x...) makes the whole host an IPv4 literal in the
# WHATWG and inet_aton readings ("127.1", "2130706433", "0x7f.1", "0177.0.0.1"); only the
# canonical dotted quad is accepted, so every parser reads the same address.
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Prefixes that carry an IPv4 address inside an IPv6 one and reach it through a gateway.
_EMBEDDED_V4 = (
    ipaddress.ip_network("::/96"),  # IPv4-compatible (deprecated)
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("64:ff9b:1::/48"),
)


class UnsafeTarget(Exception):
    pass


@dataclass(frozen=True)
class Target:
    """A parsed webhook URL: what to send and where (the checked addresses)."""

    scheme: str
    host: str  # ASCII (IDNA), lower case; an IPv6 literal without brackets
    port: int
    request_uri: str  # path and query, as urllib3 will send them
    addresses: tuple[str, ...] = ()

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def parse_target(url: str) -> Target:
    """Parse a webhook URL without resolving it; UnsafeTarget when it is not a plain
    http(s) URL that every parser reads alike."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise UnsafeTarget("Use an http or https URL of at most 500 characters.")
    if not _URL_CHARS.fullmatch(url):
        if "\\" in url:
            raise UnsafeTarget("The URL may not contain a backslash.")
        if not url.isascii():
            raise UnsafeTarget(
                "The URL may only contain ASCII characters (write an international name in its xn-- form)."
            )
        raise UnsafeTarget("The URL may not contain spaces or control characters.")
    try:
        ours = urllib3.util.parse_url(url)
        theirs = urlsplit(url)
        their_port = theirs.port
    except (LocationParseError, ValueError) as exc:
        raise UnsafeTarget("The URL cannot be parsed.") from exc
    if ours.scheme not in ("http", "https") or not url.lower().startswith(f"{ours.scheme}://"):
        raise UnsafeTarget("Use an http or https URL.")
    if ours.auth is not None or "@" in (theirs.netloc or "") or theirs.username is not None:
        raise UnsafeTarget("The URL may not contain a user name or password.")
    if "%" in (theirs.netloc or ""):
        raise UnsafeTarget("The host may not be percent-encoded.")
    host = _host(ours.host or "")
    their_host = (theirs.hostname or "").lower()
    port = ours.port or (443 if ours.scheme == "https" else 80)
    if host != their_host or (ours.port != their_port) or (theirs.scheme or "").lower() != ours.scheme:
        raise UnsafeTarget("The URL is ambiguous: its parts read differently to different parsers.")
    if not 0 < port < 65536:
        raise UnsafeTarget("The port must be between 1 and 65535.")
    return Target(scheme=ours.scheme, host=host, port=port, request_uri=ours.request_uri)


def _host(raw: str) -> str:
    host = raw.lower()
    if host.startswith("["):
        literal = host[1:-1]
        try:
            if "%" in literal:
                raise ValueError("zone id")
            ipaddress.IPv6Address(literal)
        except ValueError as exc:
            raise UnsafeTarget("The IPv6 address is not valid (zone ids are not accepted).") from exc
        return literal
    labels = host.rstrip(".").split(".") if host else []
    if not labels or not all(labels):
        raise UnsafeTarget("The URL has no host name.")
    if _NUMERIC_LABEL.match(labels[-1]):
        try:
            canonical = str(ipaddress.IPv4Address(host))
        except ValueError as exc:
            raise UnsafeTarget("Write an IPv4 address as four decimal numbers (e.g. 203.0.113.5).") from exc
        if canonical != host:
            raise UnsafeTarget("Write an IPv4 address as four decimal numbers (e.g. 203.0.113.5).")
        return host
    if not all(_DNS_LABEL.match(label) for label in labels):
        raise UnsafeTarget("The host name is not valid.")
    try:
        idna.decode(host.rstrip("."))  # punycode labels must decode to a valid name
    except idna.IDNAError as exc:
        raise UnsafeTarget("The host name is not valid.") from exc
    return host


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if inner is not None:
            return _is_public(inner)
        if any(address in network for network in _EMBEDDED_V4):
            return False
    return address.is_global and not (address.is_multicast or address.is_reserved)


def resolve_target(url: str) -> Target:
    """Parse the URL and resolve its host once; every address must be public (unless
    private targets are allowed). The returned Target carries the checked addresses,
    which are the only ones `post` connects to."""
    target = parse_target(url)
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeTarget("The host name does not resolve.") from exc
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UnsafeTarget("The host name does not resolve.")
    if not settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        for raw in addresses:
            if not _is_public(ipaddress.ip_address(raw.split("%", 1)[0])):
                raise UnsafeTarget("The URL points to a private, loopback or reserved address.")
    return Target(
        scheme=target.scheme,
        host=target.host,
        port=target.port,
        request_uri=target.request_uri,
        addresses=addresses,
    )


def check_target(url: str) -> None:
    resolve_target(url)


class DeliveryError(Exception):
    """A send that failed, with a message that names the kind of failure only (never the
    socket error's own text, so the delivery log cannot be read as a port scan)."""


def post(target: Target, *, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST to the first checked address of `target` (never a new DNS answer); returns
    the HTTP status. Redirects are not followed; the response body is not read."""
    address = target.addresses[0]
    options: dict = {"timeout": urllib3.Timeout(total=timeout), "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool_class = urllib3.HTTPSConnectionPool
        options.update(
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs=ssl.CERT_REQUIRED,
            ca_certs=certifi.where(),
        )
    else:
        pool_class = urllib3.HTTPConnectionPool
    pool = pool_class(address, target.port, **options)
    try:
        response = pool.urlopen(
            "POST",
            target.request_uri,
            body=body,
            headers={**headers, "Host": target.host_header},
            redirect=False,
            assert_same_host=False,
            preload_content=False,
        )
        status = response.status
        response.release_conn()
        return status
    except urllib3.exceptions.SSLError as exc:
        raise DeliveryError("TLS handshake or certificate check failed") from exc
    except urllib3.exceptions.NewConnectionError as exc:  # a subclass of the timeout error
        raise DeliveryError("connection failed") from exc
    except (urllib3.exceptions.TimeoutError, TimeoutError) as exc:
        raise DeliveryError("timed out") from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise DeliveryError("connection failed") from exc
    finally:
        pool.close()
