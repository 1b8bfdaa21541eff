"""A loopback server for benchmarks: any Host gets a small company site, every response after a fixed delay.

Run as a subprocess (``python bench/latency_sites.py PORT DELAY_S``) so its threads do not compete with
the process being measured for the GIL. It counts requests and prints the count on SIGTERM.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGES = {
    "/": '<html><body><h1>{host}</h1><nav><a href="/about">About us</a> <a href="/impressum">Impressum</a>'
    "</nav><p>Welcome to {host}.</p></body></html>",
    "/about": "<html><body><h1>About {host}</h1><p>Founded in 1998, today more than 120 employees work "
    "at {host} in Leeds.</p></body></html>",
    "/impressum": "<html><body><h1>Impressum</h1><p>{host} GmbH<br>Musterstraße 1<br>80331 München<br>"
    "Handelsregister: Amtsgericht München HRB 123456<br>USt-IdNr. DE123456789</p></body></html>",
    "/robots.txt": "User-agent: *\nAllow: /\n",
}


def main() -> None:
    port, delay = int(sys.argv[1]), float(sys.argv[2])
    count = 0
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: object) -> None:
            pass

        def do_GET(self) -> None:
            nonlocal count
            with lock:
                count += 1
            time.sleep(delay)
            host = self.headers.get("Host", "").split(":")[0]
            page = PAGES.get(self.path)
            body = (page or "not found").format(host=host).encode()
            self.send_response(200 if page else 404)
            kind = "text/plain" if self.path.endswith(".txt") or not page else "text/html; charset=utf-8"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            # The worker closes keep-alive connections when it is done with a host: not an error.
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)  # type: ignore[arg-type]

    server = Server(("127.0.0.1", port), Handler)

    def stop(*_args: object) -> None:
        print(count, flush=True)
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
