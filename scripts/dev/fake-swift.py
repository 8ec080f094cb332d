#!/usr/bin/python3
"""Just enough of Swift v1 (tempauth-style) for the registry's swift driver to start:
auth, container create/HEAD, /info. Everything else answers 204/404. For tools/check-golden.sh."""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, code, headers=(), body=b""):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/auth/"):
            ok = self.headers.get("X-Auth-User") == "test:tester" and \
                self.headers.get("X-Auth-Key") == "testing"
            if not ok:
                return self.reply(401)
            return self.reply(200, [("X-Storage-Url", f"http://127.0.0.1:{PORT}/v1/AUTH_test"),
                                    ("X-Auth-Token", "tk"), ("X-Storage-Token", "tk")])
        if self.path.startswith("/info"):
            return self.reply(200, [("Content-Type", "application/json")], b'{"swift": {}}')
        return self.reply(404)

    def do_HEAD(self):
        self.reply(204, [("X-Container-Bytes-Used", "0"), ("X-Container-Object-Count", "0"),
                         ("X-Account-Bytes-Used", "0"), ("X-Account-Container-Count", "1")])

    def do_PUT(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.reply(201)

    def do_POST(self):
        self.do_PUT()

    def do_DELETE(self):
        self.reply(204)

    def log_message(self, fmt, *args):
        sys.stderr.write("fake-swift: " + fmt % args + "\n")


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
