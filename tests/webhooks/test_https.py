"""An https delivery connects to the address it checked and still speaks TLS to the name:
SNI and the certificate check use the URL's host, not the IP."""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from http.server import ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from api.extensions import db
from api.jobs import JOBS
from api.webhooks import events
from api.webhooks.models import DeliveryStatus, EventType, WebhookDelivery
from tests.webhooks.conftest import Receiver, _handler

NAME = "hooks.example.test"


def _certificate(tmp_path, name: str) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    """A receiver on 127.0.0.1 serving https with a certificate for NAME, which the delivery
    trusts (certifi's bundle swapped for that certificate)."""
    cert, key = _certificate(tmp_path, NAME)
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    names: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    import certifi

    monkeypatch.setattr(certifi, "where", lambda: cert)
    yield state, names
    server.shutdown()
    server.server_close()


def _queue(webhook, url: str) -> None:
    webhook(url, ["task.created"])
    events.emit(EventType.TASK_CREATED, {"task": {"id": 1}})
    db.session.commit()


def test_https_to_a_pinned_address_uses_the_name_for_sni_and_the_certificate(
    app, tls_receiver, webhook, dns, development
):
    receiver, sni = tls_receiver
    dns[NAME] = "127.0.0.1"
    _queue(webhook, f"https://{NAME}:{receiver.port}/in")

    assert JOBS["outbox"]()["webhooks"]["delivered"] == 1

    [request] = receiver.requests
    assert request.headers["Host"] == f"{NAME}:{receiver.port}"
    assert sni == [NAME]


def test_a_certificate_for_another_name_is_refused(app, tls_receiver, webhook, dns, development):
    receiver, _ = tls_receiver
    dns["other.example.test"] = "127.0.0.1"
    _queue(webhook, f"https://other.example.test:{receiver.port}/in")

    assert JOBS["outbox"]()["webhooks"]["failed"] == 1

    assert receiver.requests == []
    db.session.expire_all()
    [row] = db.session.query(WebhookDelivery).all()
    assert row.status == DeliveryStatus.FAILED and "doesn't match" in row.last_response
