"""Hostile servers over real loopback sockets: an untrusted TLS certificate, images that are not
images, image URLs that cannot be used.

Covers reviewdesk.api.reviews, reviewdesk.api.images and the command line against servers that misbehave.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewdesk.api import errors as e
from reviewdesk.api.auth import AdminKey
from reviewdesk.api.reviews import ReviewsClient
from support.odd_server import OddServer, response
from support.process import run_cli

KEY = "admin-key-that-must-stay-secret"
TOKEN = (  # exp 4102444800 (2100-01-01); the client never checks the signature
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyZXZpZXJfaWQiOiJ0ZXN0aWQiLCJleHAiOjQxMDI0NDQ4MDB9."
    "c2lnbmF0dXJlLWlzLW5vdC1jaGVja2VkLWJ5LXRoZS1jbGllbnQ"
)


def jsonr(status: int, obj: object) -> bytes:
    return response(status, json.dumps(obj).encode(), {"Content-Type": "application/json"})


# -- 4: a self-signed certificate -------------------------------------------------------------------


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost that no authority signed, and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate; answers 200 {} if ever reached."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed(tmp_path))
    sock = socket.create_server(("127.0.0.1", 0))
    sock.settimeout(0.05)
    stop = threading.Event()
    handshakes: list[str] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    with context.wrap_socket(conn, server_side=True) as tls:
                        handshakes.append("ok")
                        tls.recv(65536)
                        tls.sendall(jsonr(200, {}))
                except (ssl.SSLError, OSError) as exc:
                    handshakes.append(type(exc).__name__)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        sock.close()
    assert handshakes and "ok" not in handshakes  # the client refused every handshake


async def test_an_untrusted_certificate_is_named_as_such(tls_server: str) -> None:
    async with ReviewsClient(tls_server, AdminKey(KEY)) as client:
        with pytest.raises(e.NetworkError) as caught:
            await client.authorize("kim")
    message = str(caught.value)
    assert "certificate is not trusted" in message and "self-signed" in message
    assert "cannot reach the server" not in message and KEY not in message


def test_the_command_line_says_the_certificate_is_not_trusted(tls_server: str) -> None:
    done = run_cli(
        "--base-url", tls_server, "authorize", "--reviewer", "kim", env={"REVIEWDESK_ADMIN_KEY": KEY}
    )
    assert done.returncode == 5
    assert "certificate is not trusted" in done.stderr and len(done.stderr.strip().splitlines()) == 1


# -- 5: `reviewdesk image` saves only images ---------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "an HTML page"),
        (b"", "an empty answer (0 bytes)"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "an SVG drawing"),
        (b"\x00\x01garbage" * 10, "not a JPEG, PNG"),
    ],
)
def test_image_refuses_what_is_not_an_image(tmp_path: Path, body: bytes, said: str) -> None:
    with OddServer() as srv:
        srv.routes["/reviews/b"] = lambda *_: jsonr(200, {"imageSrc": f"{srv.base_url}/img/s1.jpg?sig=x"})
        srv.routes["/img/s1.jpg"] = lambda *_: response(200, body, {"Content-Type": "image/jpeg"})
        out = tmp_path / "s1.jpg"
        done = run_cli(
            "--base-url", srv.base_url, "image", "s1", "-o", str(out), env={"REVIEWDESK_TOKEN": TOKEN}
        )
    assert done.returncode == 5, done.stderr
    assert said in done.stderr and "scan s1" in done.stderr
    assert not out.exists() and not list(tmp_path.glob(".*"))


def test_image_saves_a_png_that_really_is_one(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    with OddServer() as srv:
        srv.routes["/reviews/b"] = lambda *_: jsonr(200, {"imageSrc": f"{srv.base_url}/img/s1.png"})
        srv.routes["/img/s1.png"] = lambda *_: response(200, png)
        done = run_cli(
            "--base-url",
            srv.base_url,
            "image",
            "s1",
            "-o",
            str(tmp_path / "s1.png"),
            env={"REVIEWDESK_TOKEN": TOKEN},
        )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "s1.png").read_bytes() == png and "(PNG)" in done.stdout


@pytest.mark.parametrize(
    "src", ["http://images.example.com/x.jpg?sig=secret1", "ftp://127.0.0.1/x.jpg", "not a url at all"]
)
def test_an_unusable_image_src_from_the_server_exits_5(tmp_path: Path, src: str) -> None:
    with OddServer() as srv:
        srv.routes["/reviews/b"] = lambda *_: jsonr(200, {"imageSrc": src})
        done = run_cli(
            "--base-url",
            srv.base_url,
            "image",
            "s1",
            "-o",
            str(tmp_path / "s1.jpg"),
            env={"REVIEWDESK_TOKEN": TOKEN},
        )
        url = run_cli("--base-url", srv.base_url, "url", "s1", env={"REVIEWDESK_TOKEN": TOKEN})
    for result in (done, url):
        assert result.returncode == 5, result.stderr
        assert "unusable imageSrc" in result.stderr and "secret1" not in result.stderr
