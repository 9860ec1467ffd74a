"""Real webhook receivers on 127.0.0.1 for the tests: plain HTTP, and HTTPS under a test CA."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Receiver:
    """Records requests and connections; answers with ``status`` and ``body``."""

    def __init__(self, tls: ssl.SSLContext | None = None):
        self.requests: list[tuple[dict, bytes]] = []
        self.connections = 0
        self.status = 200
        self.body = b"ok"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def get_request(self):
                sock, address = super().get_request()
                receiver.connections += 1  # counted before any TLS or HTTP: nothing may come
                if tls is not None:
                    sock = tls.wrap_socket(sock, server_side=True)
                return sock, address

            def handle_error(self, request, client_address):
                pass  # a refused TLS handshake is part of some tests

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def make_tls(folder: Path, hostname: str) -> tuple[ssl.SSLContext, Path, list[str]]:
    """A test CA and a certificate for ``hostname`` signed by it.

    Returns the server's context (recording the SNI names it is offered), the CA file a client
    must trust, and that list of names.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def cert(subject, issuer, key, signer, *, ca: bool, names=()):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(list(names)), False)
        if ca:
            usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
            builder = builder.add_extension(usage, critical=True)
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = cert("gridsvc test CA", "gridsvc test CA", ca_key, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    # The certificate names the host, not the address: a client checking the address would fail.
    names = [x509.DNSName(hostname)]
    leaf = cert(hostname, "gridsvc test CA", key, ca_key, ca=False, names=names)
    pem = serialization.Encoding.PEM
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_file.write_bytes(ca_cert.public_bytes(pem))
    cert_file.write_bytes(leaf.public_bytes(pem) + ca_cert.public_bytes(pem))
    key_file.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    offered: list[str] = []

    def _sni(_sock, name, _context):
        offered.append(name)

    context.sni_callback = _sni
    return context, ca_file, offered


LOOPBACK = ipaddress.ip_address("127.0.0.1")
