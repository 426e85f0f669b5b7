"""SSRF: no webhook URL, however it is written, reaches this machine's own listeners.

A real TCP listener on 127.0.0.1 and [::1] counts every connection it is offered; each
hostile URL form must be refused when a subscription is saved (model and API), and, when
such a URL is already stored (saved before the rule, or written straight to the table),
refused again at delivery, logged as blocked, with the listener never reached.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from accounts.tests.factories import AdminFactory
from lms import events
from lms.tests.helpers import WebhookReceiver, free_port
from webhooks import security, services
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.security import UnsafeTarget, parse_target, resolve_target

pytestmark = pytest.mark.django_db

P = "{port}"
# Each form names, one way or another, this machine (or a private address, or is not a
# plain URL). The ones with 8.8.8.8 read as that public address to a lax parser while the
# HTTP client would connect to loopback; no form here may ever be sent anywhere.
HOSTILE = [
    f"http://127.0.0.1:{P}\\@8.8.8.8/",
    f"http://localhost:{P}\\@8.8.8.8/",
    f"http://[::1]:{P}\\@8.8.8.8/",
    f"http://127.0.0.1:{P}\\\\@8.8.8.8/",
    f"http:\\\\127.0.0.1:{P}/",
    f"http://8.8.8.8@127.0.0.1:{P}/",
    f"http://user@127.0.0.1:{P}/",
    f"http://user:pass@127.0.0.1:{P}/",
    f"http://:@127.0.0.1:{P}/",
    f"http://127.0.0.1:{P}@8.8.8.8/",
    f"http://127.0.0.1:{P}#@8.8.8.8/",
    f"http://127.0.0.1:{P}?@8.8.8.8/",
    f"http://127.0.0.1:{P}/",
    f"https://127.0.0.1:{P}/",
    f"HTTP://127.0.0.1:{P}/",
    f"http://localhost:{P}/",
    f"http://LOCALHOST:{P}/",
    f"http://LocalHost.:{P}/",
    f"http://localhost.:{P}/",
    f"http://2130706433:{P}/",
    f"http://0x7f000001:{P}/",
    f"http://0X7F.0.0.1:{P}/",
    f"http://0x7f.1:{P}/",
    f"http://0177.0.0.1:{P}/",
    f"http://0177.1:{P}/",
    f"http://127.000.000.001:{P}/",
    f"http://127.1:{P}/",
    f"http://127.0.1:{P}/",
    f"http://127.1.2.3:{P}/",
    f"http://0:{P}/",
    f"http://0.0.0.0:{P}/",
    f"http://10.0.0.1:{P}/",
    f"http://169.254.169.254:{P}/latest/meta-data/",
    f"http://[::1]:{P}/",
    f"http://[0:0:0:0:0:0:0:1]:{P}/",
    f"http://[0000::1]:{P}/",
    f"http://[::]:{P}/",
    f"http://[::ffff:127.0.0.1]:{P}/",
    f"http://[::ffff:7f00:1]:{P}/",
    f"http://[::127.0.0.1]:{P}/",
    f"http://[64:ff9b::127.0.0.1]:{P}/",
    f"http://[2002:7f00:1::]:{P}/",
    f"http://[::1%25lo]:{P}/",
    f"http://[fe80::1%25eth0]:{P}/",
    f"http://%31%32%37.0.0.1:{P}/",
    f"http://127%2e0%2e0%2e1:{P}/",
    f"http://loc%61lhost:{P}/",
    f"http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ:{P}/",
    f"http://\uff11\uff12\uff17.\uff10.\uff10.\uff11:{P}/",  # fullwidth digits
    f"http://127。0。0。1:{P}/",
    f"http://loc\talhost:{P}/",
    f"http://127.0.0.1:{P}/\n",
    f" http://127.0.0.1:{P}/",
    f"http://127.0.0.1 :{P}/",
    f"http:/127.0.0.1:{P}/",
    f"http:127.0.0.1:{P}/",
    f"//127.0.0.1:{P}/",
    f"http://127.0.0.1:{P}:80/",
    f"http://127.0.0.1:0{P}/",
    f"ftp://127.0.0.1:{P}/",
    f"file:///etc/passwd#{P}",
    f"gopher://127.0.0.1:{P}/_",
]


class Listener:
    """Accepts TCP connections on 127.0.0.1 and [::1] at one port and counts them."""

    def __init__(self):
        self.port = free_port()
        self.connections = 0
        self._sockets = []
        for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, self.port))
            sock.listen(16)
            sock.settimeout(0.2)
            self._sockets.append(sock)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._accept, args=(s,), daemon=True) for s in self._sockets]
        for thread in self._threads:
            thread.start()

    def _accept(self, sock):
        while not self._stop.is_set():
            try:
                conn, _ = sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        for thread in self._threads:
            thread.join()
        for sock in self._sockets:
            sock.close()


@pytest.fixture(scope="module")
def listener():
    got = Listener()
    yield got
    got.close()


@pytest.fixture
def strict(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False


def _event():
    events.emit("user.registered", {"user_id": 1, "email": "u@example.com"})


def test_the_listener_counts_a_real_connection(listener):
    before = listener.connections
    with socket.create_connection(("127.0.0.1", listener.port)):
        pass
    deadline = datetime.datetime.now() + datetime.timedelta(seconds=5)
    while listener.connections == before and datetime.datetime.now() < deadline:
        threading.Event().wait(0.02)
    assert listener.connections == before + 1


@pytest.mark.parametrize("form", HOSTILE)
def test_hostile_url_is_refused_on_save_and_never_reaches_the_listener(form, listener, strict, api_client):
    url = form.replace(P, str(listener.port))
    before = listener.connections
    with pytest.raises(ValidationError):
        WebhookSubscription(url=url, events=["user.registered"]).full_clean()
    with pytest.raises(UnsafeTarget):
        resolve_target(url)  # checked here first: a form that passed would be sent nowhere

    api_client.force_authenticate(AdminFactory())
    response = api_client.post("/api/v1/webhooks/", {"url": url, "events": ["user.registered"]}, format="json")
    assert response.status_code == 400 and "url" in response.json()["errors"]

    # Stored anyway (saved before this rule, or written to the table): blocked at delivery.
    WebhookSubscription.objects.create(url=url, events=["user.registered"])
    _event()
    (delivery_id,) = services.outbox_relay()
    delivery = services.delivery_send(delivery_id=delivery_id)
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.last_status_code is None and delivery.last_error.startswith("blocked: ")
    assert listener.connections == before


@pytest.mark.parametrize(
    "url, host, port, uri",
    [
        ("https://hooks.example.com/lms?x=1", "hooks.example.com", 443, "/lms?x=1"),
        ("https://Hooks.Example.com:8443/a/b", "hooks.example.com", 8443, "/a/b"),
        ("http://203.0.113.5:8080/x", "203.0.113.5", 8080, "/x"),
        ("https://[2001:db8::1]/x", "2001:db8::1", 443, "/x"),
        ("https://xn--bcher-kva.example/x", "xn--bcher-kva.example", 443, "/x"),
        ("https://hooks.example.com./x", "hooks.example.com.", 443, "/x"),
        ("https://example.com", "example.com", 443, "/"),
    ],
)
def test_plain_urls_parse_to_what_will_be_sent(url, host, port, uri):
    target = parse_target(url)
    assert (target.host, target.port, target.request_uri) == (host, port, uri)


def test_a_public_address_passes_and_is_the_one_pinned(strict):
    target = resolve_target("https://8.8.8.8/hooks")  # an IP literal: nothing is looked up or sent
    assert target.addresses == ("8.8.8.8",) and target.host_header == "8.8.8.8"


def test_every_resolved_address_is_checked(strict, monkeypatch):
    # The system resolver cannot be pointed at a test DNS server from here, so its answer
    # is given: a name that resolves to one public and one loopback address.
    def answer(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("8.8.8.8", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        ]

    monkeypatch.setattr(security.socket, "getaddrinfo", answer)
    with pytest.raises(UnsafeTarget, match="private, loopback or reserved"):
        resolve_target("https://mixed.example/x")


def test_delivery_connects_to_the_checked_address_even_if_dns_changes(settings, monkeypatch):
    """DNS rebinding: the name is resolved once; the client never asks again. The first
    answer is the receiver's address, any later one a different loopback address where
    nothing listens (a resolver that changes its answer is simulated: see above)."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    lookups = []

    def answer(host, port, *args, **kwargs):
        if host == "hooks.test":
            lookups.append(host)
            address = "127.0.0.1" if len(lookups) == 1 else "127.0.0.2"
        else:  # an address literal answers itself, as in any resolver
            address = str(ipaddress.ip_address(host))
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    sub = WebhookSubscription.objects.create(url="http://placeholder.test/", events=["user.registered"])
    with WebhookReceiver(sub.secret) as receiver:
        WebhookSubscription.objects.filter(pk=sub.pk).update(url=f"http://hooks.test:{receiver.port}/hooks")
        monkeypatch.setattr(security.socket, "getaddrinfo", answer)
        _event()
        (delivery_id,) = services.outbox_relay()
        delivery = services.delivery_send(delivery_id=delivery_id)
        assert (delivery.status, delivery.last_error) == (WebhookDelivery.Status.DELIVERED, "")
        assert [r["host"] for r in receiver.requests] == [f"hooks.test:{receiver.port}"]
    assert lookups == ["hooks.test"]


def _self_signed(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hooks.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("hooks.test")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def test_https_sends_the_original_name_and_checks_the_certificate(settings, monkeypatch, tmp_path):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    cert_file, key_file = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    seen_names = []
    context.sni_callback = lambda sock, name, ctx: seen_names.append(name)
    port = free_port()
    server = socket.create_server(("127.0.0.1", port))

    def serve():
        with contextlib.suppress(OSError):
            conn, _ = server.accept()
            with contextlib.suppress(ssl.SSLError, OSError), context.wrap_socket(conn, server_side=True):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    monkeypatch.setattr(
        security.socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))],
    )
    WebhookSubscription.objects.create(url=f"https://hooks.test:{port}/hooks", events=["user.registered"])
    _event()
    (delivery_id,) = services.outbox_relay()
    delivery = services.delivery_send(delivery_id=delivery_id)
    thread.join(timeout=10)
    server.close()
    assert seen_names == ["hooks.test"]  # SNI is the URL's name, not the pinned address
    # The certificate is self-signed: verification is on, and the log names the kind only.
    assert (delivery.last_status_code, delivery.last_error) == (None, "TLS handshake or certificate check failed")


def test_redirects_are_not_followed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with WebhookReceiver() as elsewhere:

        class Redirect(BaseHTTPRequestHandler):
            def do_POST(self):
                self.send_response(307)
                self.send_header("Location", elsewhere.url)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", free_port()), Redirect)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            WebhookSubscription.objects.create(
                url=f"http://127.0.0.1:{server.server_address[1]}/hooks", events=["user.registered"]
            )
            _event()
            (delivery_id,) = services.outbox_relay()
            delivery = services.delivery_send(delivery_id=delivery_id)
        finally:
            server.shutdown()
            server.server_close()
        assert delivery.last_status_code == 307 and delivery.status == WebhookDelivery.Status.PENDING
        assert elsewhere.requests == []


def test_a_refused_connection_says_only_that_it_failed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    WebhookSubscription.objects.create(url=f"http://127.0.0.1:{free_port()}/x", events=["user.registered"])
    _event()
    (delivery_id,) = services.outbox_relay()
    delivery = services.delivery_send(delivery_id=delivery_id)
    assert delivery.last_error == "connection failed"  # not errno, address or port


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1:1\\@8.8.8.8/", "backslash"),
        ("http://user@hooks.example.com/", "user name or password"),
        ("http://hooks.example.com /", "spaces or control characters"),
        ("http://bücher.example/", "xn--"),
        ("http://0x7f.1/", "four decimal numbers"),
        ("http://%68ooks.example.com/", "percent-encoded"),
        ("ftp://hooks.example.com/", "http or https"),
    ],
)
def test_the_refusal_says_what_is_wrong_with_the_url(url, reason):
    with pytest.raises(UnsafeTarget, match=reason):
        parse_target(url)
