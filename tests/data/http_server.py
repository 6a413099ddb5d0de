#!/usr/bin/env python3
"""http_server.py - a loopback HTTP server for the fetcher's tests (standard library only).

Binds 127.0.0.1 on a free port and prints the port as the first line on stdout. Exits on
SIGTERM, SIGINT or when stdin reaches end of file (so it dies with the test that started it;
pass --keep to ignore stdin when running it by hand).

Routes (every response is HTTP/1.1 with a Content-Length unless noted):
  /robots.txt          "User-agent: *" disallowing /private; 503 when the Host header is
                       localhost (a host whose robots.txt is unreachable)
  /page/<name>         a small HTML news article; /page/gone is 404
  /private/<name>      an article robots.txt disallows
  /rss                 an RSS 2.0 feed linking /page/a, /page/b and /page/gone
  /atom                an Atom feed linking /page/a and /page/b
  /notfound            404
  /error               500
  /flaky/<n>/<any>     503 for the first n hits of that exact path, then 200
  /retry-after/<any>   429 with "Retry-After: 1" on the first hit of that path, then 200
  /slow?s=<seconds>    answers after s seconds (default 30), or gives up when the client leaves
  /loop                302 to itself
  /redirect            302 to /page/a
  /big?mb=<n>          n MiB (default 20) with Content-Length; stream=1 sends it without a length,
                       ending at connection close; stall=1 sends only the headers (with the
                       length) and then waits for the client to leave
  /gzip                a text, gzip-encoded when the request accepts gzip
  /cp1251              a Windows-1251 page, "charset=windows-1251" in its Content-Type
  /etag                ETag "v1" and a Last-Modified; 304 to a matching If-None-Match or
                       If-Modified-Since
  /conc/<group>/<any>?ms=<n>  waits n ms (default 200); records concurrency and arrival gaps
  /stats/<key>         a counter as plain text (an integer, 0 when never set):
                         hits/<path>         requests for <path> (path without the query)
                         maxconc/conc/<g>    most /conc/<g>/ requests in progress at once
                         maxconc/conc        the same over all groups
                         mingap/conc/<g>     shortest gap in ms between two arrivals in group g
                         gzip_served         responses sent gzip-encoded
                         big_done, big_sent  /big responses finished (sent or aborted) and the
                                             bytes the last one got out
                       /stats/ requests are not counted themselves.
"""

import gzip
import os
import select
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# Shared by every handler thread, always under LOCK.
LOCK = threading.Lock()
STATS = {}  # key -> int
ACTIVE = {}  # concurrency key -> requests in progress
LAST_ARRIVAL = {}  # /conc group -> monotonic time of its last arrival

ROBOTS = b"User-agent: *\nDisallow: /private\n"
GZIP_TEXT = b"<p>gzip decoded</p>\n" * 50
CP1251_PAGE = ("<html><head><title>\u041d\u043e\u0432\u043e\u0441\u0442\u0438</title></head>"
               "<body><p>\u041c\u043e\u0441\u043a\u0432\u0430</p></body></html>\n").encode("cp1251")
ETAG = '"v1"'
LAST_MODIFIED = "Mon, 02 Jan 2006 15:04:05 GMT"


def bump(key, by=1):
    with LOCK:
        STATS[key] = STATS.get(key, 0) + by
        return STATS[key]


def article(name):
    """A small news article page, enough for the extractor's HTML cleaning."""
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Article {name}</title>"
            f"<meta property=\"article:published_time\" content=\"2024-03-01T10:00:00Z\">"
            f"</head><body><nav>Home | World</nav><article><h1>Article {name}</h1>"
            f"<p>Ukrainian officials met representatives of the European Union in Kyiv on "
            f"Friday to discuss aid ({name}).</p><p>The talks will resume next week.</p></article>"
            f"<footer>Copyright</footer></body></html>\n").encode("utf-8")


def rss(base):
    items = "".join(
        f"<item><title>Item {n}</title><link>{base}/page/{n}</link>"
        f"<guid>{base}/page/{n}</guid><pubDate>Fri, 01 Mar 2024 10:0{i}:00 GMT</pubDate></item>"
        for i, n in enumerate(["a", "b", "gone"]))
    return (f"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>"
            f"<title>Test feed</title><link>{base}/</link><description>test</description>"
            f"{items}</channel></rss>\n").encode("utf-8")


def atom(base):
    entries = "".join(
        f"<entry><title>Entry {n}</title><id>urn:test:{n}</id>"
        f"<link rel=\"alternate\" href=\"{base}/page/{n}\"/>"
        f"<updated>2024-03-01T10:0{i}:00Z</updated></entry>"
        for i, n in enumerate(["a", "b"]))
    return (f"<?xml version=\"1.0\" encoding=\"utf-8\"?>"
            f"<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Test atom</title>"
            f"<id>urn:test:feed</id><updated>2024-03-01T10:00:00Z</updated>{entries}</feed>\n"
            ).encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients can reuse connections
    server_version = "parley-test/1"

    def log_message(self, fmt, *args):
        if os.environ.get("PARLEY_HTTP_SERVER_VERBOSE"):
            sys.stderr.write("http_server: " + (fmt % args) + "\n")

    def send(self, status, body=b"", ctype="text/plain; charset=utf-8", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def client_gone(self, timeout):
        """Waits up to timeout seconds; True when the client closed the connection."""
        r, _, _ = select.select([self.connection], [], [], timeout)
        if not r:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def do_GET(self):
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        if path.startswith("/stats/"):
            with LOCK:
                value = STATS.get(path[len("/stats/"):], 0)
            return self.send(200, f"{value}\n".encode())
        hits = bump("hits" + path)
        host = self.headers.get("Host", "127.0.0.1")
        base = "http://" + host
        parts = path.strip("/").split("/")

        if path == "/robots.txt":
            if host.split(":")[0] == "localhost":
                return self.send(503, b"robots unavailable\n")
            return self.send(200, ROBOTS)
        if parts[0] in ("page", "private") and len(parts) == 2:
            if path == "/page/gone":
                return self.send(404, b"gone\n")
            return self.send(200, article(parts[1]), "text/html; charset=utf-8")
        if path == "/rss":
            return self.send(200, rss(base), "application/rss+xml; charset=utf-8")
        if path == "/atom":
            return self.send(200, atom(base), "application/atom+xml; charset=utf-8")
        if path == "/notfound":
            return self.send(404, b"not found\n")
        if path == "/error":
            return self.send(500, b"internal error\n")
        if parts[0] == "flaky" and len(parts) >= 2 and parts[1].isdigit():
            if hits <= int(parts[1]):
                return self.send(503, b"try again\n")
            return self.send(200, b"recovered\n")
        if parts[0] == "retry-after":
            if hits == 1:
                return self.send(429, b"slow down\n", headers=[("Retry-After", "1")])
            return self.send(200, b"thanks for waiting\n")
        if path == "/slow":
            deadline = time.monotonic() + float(query.get("s", ["30"])[0])
            while time.monotonic() < deadline:
                if self.client_gone(0.05):
                    self.close_connection = True
                    return None
            return self.send(200, b"finally\n")
        if path == "/loop":
            return self.send(302, b"", headers=[("Location", "/loop")])
        if path == "/redirect":
            return self.send(302, b"", headers=[("Location", "/page/a")])
        if path == "/big":
            size = int(query.get("mb", ["20"])[0]) * 1024 * 1024
            return self.big(size, "stream" in query, "stall" in query)
        if path == "/gzip":
            accepted = self.headers.get("Accept-Encoding", "")
            if "gzip" in [a.split(";")[0].strip() for a in accepted.split(",")]:
                bump("gzip_served")
                return self.send(200, gzip.compress(GZIP_TEXT), "text/html; charset=utf-8",
                                 [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")])
            return self.send(200, GZIP_TEXT, "text/html; charset=utf-8")
        if path == "/cp1251":
            return self.send(200, CP1251_PAGE, "text/html; charset=windows-1251")
        if path == "/etag":
            validators = [("ETag", ETAG), ("Last-Modified", LAST_MODIFIED)]
            if (self.headers.get("If-None-Match") == ETAG or
                    self.headers.get("If-Modified-Since") == LAST_MODIFIED):
                self.send_response(304)
                for k, v in validators:
                    self.send_header(k, v)
                self.end_headers()
                return None
            return self.send(200, b"<p>versioned</p>\n", "text/html", validators)
        if parts[0] == "conc" and len(parts) >= 3:
            return self.conc(parts[1], int(query.get("ms", ["200"])[0]))
        return self.send(404, b"no such route\n")

    def big(self, size, stream, stall):
        """Sends size bytes in 64 KiB writes, counting what got out before the client left.
        With stall, only the headers go out; the body never comes (up to 30 s), so a client that
        does not act on Content-Length alone times out."""
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if stream:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk, sent = b"x" * 65536, 0
        try:
            if stall:
                self.wfile.flush()
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline and not self.client_gone(0.05):
                    pass
                self.close_connection = True
            while sent < size and not stall:
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            self.close_connection = True
        with LOCK:
            STATS["big_sent"] = sent
            STATS["big_done"] = STATS.get("big_done", 0) + 1

    def conc(self, group, ms):
        """Holds the request ms milliseconds, recording how many overlapped."""
        keys = ("maxconc/conc/" + group, "maxconc/conc")
        now = time.monotonic()
        with LOCK:
            last = LAST_ARRIVAL.get(group)
            if last is not None:
                gap = int((now - last) * 1000)
                k = "mingap/conc/" + group
                STATS[k] = min(STATS.get(k, gap), gap)
            LAST_ARRIVAL[group] = now
            for k in keys:
                ACTIVE[k] = ACTIVE.get(k, 0) + 1
                STATS[k] = max(STATS.get(k, 0), ACTIVE[k])
        try:
            time.sleep(ms / 1000.0)
        finally:
            # counted off before the answer goes out: once the client has the answer it may
            # start the next request, and that must not look like an overlap
            with LOCK:
                for k in keys:
                    ACTIVE[k] -= 1
        self.send(200, f"conc {group}\n".encode())


class Server(ThreadingHTTPServer):
    daemon_threads = True  # a hung handler must not keep the process alive

    def handle_error(self, request, client_address):
        # Clients that hang up early (the cap and shutdown tests) are expected, not news.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def main():
    keep = "--keep" in sys.argv[1:]
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    # A test server holds nothing worth saving: leave at once, whatever the threads are doing.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    if not keep:
        def watch_stdin():
            while sys.stdin.buffer.read(4096):
                pass
            os._exit(0)
        threading.Thread(target=watch_stdin, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
