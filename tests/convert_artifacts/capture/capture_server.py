"""Loopback stand-in for Convert's config CDN and tracking API, recording every request.

Usage:
    python capture_server.py --config CONFIG.json --log requests.jsonl [--port 0] [--tls]

* GET  .../config/...  -> 200, the bytes of CONFIG.json
* POST .../track/...   -> 200, {"code": 200, "message": "OK"}
* anything else        -> 404, {"code": 404, "message": "not found"}

Each request is appended to --log as one JSON line {method, path, query, headers, body}:
`path` is the raw request target before '?', exactly as sent (no decoding), so a
percent-encoded SDK key would show as %2F. `body` is parsed JSON when possible.
Binds to 127.0.0.1 only. With --tls, serves HTTPS with a throwaway self-signed
certificate made by `openssl` (for clients that refuse plain HTTP).
Prints "PORT <n>" on stdout once listening.
"""

import argparse
import json
import os
import ssl
import subprocess
import tempfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_handler(config_bytes, log_path):
    class Handler(BaseHTTPRequestHandler):
        def _record(self, body_bytes):
            path, _, query = self.path.partition("?")
            text = body_bytes.decode("utf-8", "replace")
            try:
                body = json.loads(text) if text else None
            except ValueError:
                body = text
            entry = {
                "method": self.command,
                "path": path,
                "query": query,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": body,
            }
            with open(log_path, "a") as fh:
                fh.write(json.dumps(entry) + "\n")

        def _reply(self, status, payload):
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._record(b"")
            if "/config/" in self.path:
                self._reply(200, config_bytes)
            else:
                self._reply(404, {"code": 404, "message": "not found"})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            self._record(self.rfile.read(length))
            if "/track/" in self.path:
                self._reply(200, {"code": 200, "message": "OK"})
            else:
                self._reply(404, {"code": 404, "message": "not found"})

        def log_message(self, *args):
            pass

    return Handler


def self_signed_context():
    tmp = tempfile.mkdtemp(prefix="capture-tls-")
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            key,
            "-out",
            cert,
        ],
        check=True,
        capture_output=True,
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls", action="store_true")
    args = ap.parse_args()
    with open(args.config, "rb") as fh:
        config_bytes = fh.read()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(config_bytes, args.log))
    if args.tls:
        server.socket = self_signed_context().wrap_socket(server.socket, server_side=True)
    print("PORT", server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
