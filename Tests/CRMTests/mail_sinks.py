"""Loopback SMTP and HTTP servers for the notification tests.

SMTP (aiosmtpd, Debian's python3-aiosmtpd): every message is kept as DIR/smtp-N.eml with
X-Envelope-From and X-Envelope-To lines first. A recipient whose local part starts with
"refuse" is refused with 550. AUTH PLAIN/LOGIN accepts user "erp" with password "secret".

HTTP: every POST is kept as DIR/http-N.json (path, headers, body). By path: /reject answers
400, /flaky answers 500 to the first request of each Idempotency-Key and 200 after, /slow
waits 3 s before answering 200, anything else 200.

A second SMTP server requires STARTTLS (a certificate for localhost made with openssl, its
file DIR/ca.pem) before AUTH and mail.

Usage: mail_sinks.py DIR; prints "ready SMTP_PORT HTTP_PORT STARTTLS_PORT" once all listen.
"""
import json, os, ssl, subprocess, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

directory = sys.argv[1]
os.makedirs(directory, exist_ok=True)
lock = threading.Lock()
counter = [0]

def keep(prefix, data):
    with lock:
        counter[0] += 1
        name = os.path.join(directory, "%s-%d" % (prefix, counter[0]))
    with open(name + ".tmp", "wb") as f:
        f.write(data)
    os.rename(name + ".tmp", name + (".eml" if prefix == "smtp" else ".json"))

class Mailbox:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0].startswith("refuse"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        head = "X-Envelope-From: %s\r\nX-Envelope-To: %s\r\n" % (envelope.mail_from, ", ".join(envelope.rcpt_tos))
        keep("smtp", head.encode() + envelope.original_content)
        return "250 kept"

def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"erp" and auth_data.password == b"secret"
    return AuthResult(success=ok)

class Hook(BaseHTTPRequestHandler):
    seen = set()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        keep("http", json.dumps({"path": self.path, "headers": dict(self.headers), "body": body.decode("utf-8")}).encode())
        key = self.headers.get("Idempotency-Key", "")
        status = 200
        if self.path == "/reject":
            status = 400
        elif self.path == "/flaky" and key not in Hook.seen:
            Hook.seen.add(key)
            status = 500
        elif self.path == "/slow":
            time.sleep(3)
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass

import socket
def free_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port
smtp_port = free_port()
controller = Controller(Mailbox(), hostname="127.0.0.1", port=smtp_port, authenticator=authenticate, auth_require_tls=False)
controller.start()
cert, key = os.path.join(directory, "ca.pem"), os.path.join(directory, "key.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", cert], check=True, capture_output=True)
context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
tls_port = free_port()
secure = Controller(Mailbox(), hostname="127.0.0.1", port=tls_port, authenticator=authenticate, tls_context=context,
                    require_starttls=True, auth_require_tls=True)
secure.start()
http = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=http.serve_forever, daemon=True).start()
print("ready %d %d %d" % (smtp_port, http.server_address[1], tls_port), flush=True)
# Until the tests end: their end of the pipe closes, or (should a copy of it linger) the
# test process is gone and this one has a new parent; then at once, without waiting on threads.
parent = os.getppid()
def watch():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
sys.stdin.read()
os._exit(0)
