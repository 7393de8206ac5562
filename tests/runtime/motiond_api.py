"""Every endpoint of motiond's phone API, and its security: the authorisation matrix (no token,
wrong token, revoked token, valid token, the Unix socket) over every route motiond serves,
pairing (one-time codes, rate limit), body caps, methods, content types, cross-origin requests,
event streams, and the OpenAPI file against the routes motiond really has."""
import http.client
import json
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import motiond_testlib as T  # noqa: E402
from motiond_testlib import WAVE, check  # noqa: E402


def routes():
    r = T.run([T.prog("motiond"), "--routes"])
    out = []
    for line in r.stdout.splitlines():
        head, summary = line.split("\t")
        method, path, access = head.split(" ")
        out.append((method, path, access.split(","), summary))
    return out


def concrete(path):
    return (path.replace("/tokens/*", "/tokens/000000000000").replace("/jobs/*", "/jobs/99999")
            .replace("/packages/*/", f"/packages/{WAVE}/").replace("/catalog/*/", f"/catalog/{WAVE}/"))


def body_for(method, path):
    if method != "POST":
        return None
    return {"/api/v1/pair": {"code": "000000"},
            "/api/v1/install": {"id": "org.example.nothing"},
            "/api/v1/remove": {"id": "org.example.nothing"},
            "/api/v1/play": {"package": "org.example.nothing"},
            "/api/v1/queue": {"package": "org.example.nothing"},
            "/api/v1/speed": {"speed": 1.0}}.get(path, {})


def raw_request(port, data, timeout=10):
    """Sends bytes as they are; returns the status line's code (0 if the connection closed)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        buf = b""
        while b"\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        m = re.match(rb"HTTP/1\.[01] (\d+)", buf)
        return int(m.group(1)) if m else 0
    finally:
        s.close()


def answered(path, r):
    """A real answer: below 500, or the e-stop latched but not confirmed within its 200 ms (503
    "effective": false: the control loop did not tick in time on a starved machine)."""
    return r.status < 500 or (path == "/api/v1/estop" and r.status == 503 and
                              r.json and r.json.get("estop") is True and
                              r.json.get("effective") is False)


def test_matrix(md, table):
    # Three devices: one to keep, one to revoke, and the test's own.
    md.pair("kept")
    second = md.pair("to revoke")
    third = md.pair("other")
    revoked_token = second["token"]
    r = md.request("DELETE", f"/api/v1/tokens/{second['id']}")
    check(r.status == 200 and r.json["revoked"] == second["id"], "revoke a token")
    listed = md.get("/api/v1/tokens").json
    names = sorted(t["name"] for t in listed["tokens"])
    check("kept" in names and "other" in names and "to revoke" not in names and all("token" not in t and "sha256" not in t
                                             for t in listed["tokens"]),
          "the token list names the devices, never a token or its hash")
    check(listed["you"] in [t["id"] for t in listed["tokens"]], "the list says which one is yours")
    wrong = "mdt_" + "0" * 64
    for method, path, access, _ in table:
        if "public" in access:
            continue
        p = concrete(path)
        b = body_for(method, path)
        for label, token in (("no token", None), ("a wrong token", wrong),
                             ("a revoked token", revoked_token), ("garbage", "x" * 3000)):
            r = md.request(method, p, b, token=token)
            if "local" in access:
                check(r.status == 403 and r.json["error"] == "local-only",
                      f"{method} {path} over TCP with {label}: 403 local-only")
                continue
            check(r.status == 401 and r.json and r.json["error"] == "unauthorized" and
                  r.headers.get("WWW-Authenticate", "").startswith("Bearer"),
                  f"{method} {path} with {label}: 401")
    # None of that did anything: no emergency stop, nothing queued, no job.
    st = md.status()
    check(not st["motion"]["faults"] and st["motion"]["current"] is None,
          "refused requests changed nothing on the robot")
    check(all(j["kind"] == "update" for j in md.get("/api/v1/jobs").json["jobs"]),
          "refused requests started no job")
    # With a valid token (or through the Unix socket) each answers something else than 401.
    for method, path, access, _ in table:
        p = concrete(path)
        b = body_for(method, path)
        if path == "/api/v1/events":
            ev = T.EventStream(md, token=third["token"])
            check(ev.status == 200 and "text/event-stream" in ev.content_type,
                  f"{method} {path} with a valid token: an event stream")
            ev.close()
            continue
        r = md.request(method, p, b, token=third["token"])
        if "local" in access:
            check(r.status == 403 and r.json["error"] == "local-only",
                  f"{method} {path} over TCP, even with a token: 403 local-only")
        else:
            check(r.status != 401 and answered(path, r),
                  f"{method} {path} with a valid token: {r.status}")
        if path != "/api/v1/events" and "public" not in access:
            r = md.request(method, p, b, local=True)
            check(r.status not in (401, 403) and answered(path, r),
                  f"{method} {path} through the Unix socket: {r.status}")
    # The matrix pressed the e-stop, then release. On a starved machine the loop may confirm a stop
    # only after its 200 ms answer (503), and a release sent before that tick is lost to it. So
    # one more stop, a release once it shows, and the robot is free for what follows.
    md.post("/api/v1/estop")
    T.wait_for(lambda: "estop" in md.status()["motion"]["faults"], 10, "the e-stop")
    md.post("/api/v1/release")
    T.wait_for(lambda: not md.status()["motion"]["faults"], 10, "the release")


def test_endpoints(md):
    # The page and its files, public.
    for path, ctype in (("/", "text/html"), ("/app.js", "text/javascript"),
                        ("/app.css", "text/css"), ("/icon.svg", "image/svg+xml")):
        r = md.get(path, token=None)
        check(r.status == 200 and r.headers["Content-Type"].startswith(ctype) and r.body,
              f"GET {path}: {ctype}")
    r = md.get("/", token=None)
    csp = r.headers.get("Content-Security-Policy", "")
    check("default-src 'self'" in csp and "frame-ancestors 'none'" in csp,
          "the page forbids outside assets and framing")
    check(not re.search(rb"(src|href)=\"(https?:)?//", r.body), "the page links nothing outside")
    r = md.request("HEAD", "/api/v1/status")
    check(r.status == 200 and r.body == b"", "HEAD answers like GET without a body")

    T.wait_for(lambda: md.activity() == "idle", 30, "idle after the release")
    st = md.status()
    check(st["robot"]["model"] == "g1-29dof" and st["backend"] == "sim" and st["mode"] == "arm",
          "status: the robot, the backend and the mode")
    check(st["motion"]["activity"] in ("idle", "waiting") and st["motion"]["has_state"],
          "status: the player and the robot state")
    r = md.post("/api/v1/stats/reset")
    check(r.status == 200, "stats reset")
    s = md.get("/api/v1/stats").json
    check(s["ticks"] < 2000 and "p99_us" in s["wakeup"] and "safety" in s, "stats after a reset")

    # Catalog parameters.
    for q, status in (("?q=wave", 200), ("?category=greeting", 200), ("?lang=zh", 200),
                      ("?colour=red", 400), ("?category=Bad%20Cat", 400), ("?q=" + "a" * 300, 400),
                      ("?lang=%3Cscript%3E", 400)):
        r = md.get("/api/v1/catalog" + q)
        check(r.status == status, f"GET /api/v1/catalog{q}: {status} ({r.status})")

    # Jobs: listed, one, cancel; ids that are no number are simply not found.
    r = md.post("/api/v1/catalog/refresh")
    jid = r.json["job"]["id"]
    check(r.status == 202 and md.wait_job(jid)["state"] == "done", "catalog refresh job")
    check(md.get(f"/api/v1/jobs/{jid}").json["job"]["kind"] == "update", "GET a job")
    check(md.request("DELETE", f"/api/v1/jobs/{jid}").status == 409, "cancelling a finished job: 409")
    check(md.get("/api/v1/jobs/abc").status == 404 and md.get("/api/v1/jobs/99999").status == 404,
          "unknown jobs: 404")
    job = md.install()
    check(job["state"] == "done", "install")
    r = md.get(f"/api/v1/packages/{WAVE}/thumbnail")
    check(r.status == 200 and r.headers["Content-Type"] == "image/png" and
          r.body[:8] == b"\x89PNG\r\n\x1a\n",
          f"the thumbnail of an installed package (built in by mpk build) is a PNG ({r.status})")
    check(md.get("/api/v1/packages/org.example.none/thumbnail").status == 404,
          "thumbnail of a package not installed: 404")

    # Bad bodies.
    for body, why in (({"package": WAVE, "loop": 0}, "loop 0"),
                      ({"package": WAVE, "speed": 3}, "speed 3"),
                      ({"package": WAVE, "speed": "fast"}, "speed as text"),
                      ({"package": "../../etc"}, "a path as the package"),
                      ({"package": WAVE, "motion": "Wave Hello"}, "a bad motion name"),
                      ({"package": WAVE, "volume": 11}, "an unknown field"),
                      ({}, "no package"), ([WAVE], "an array")):
        r = md.post("/api/v1/play", body)
        check(r.status == 400 and r.json["error"] == "bad-request" and r.json["message"],
              f"play with {why}: 400 ({r.json and r.json.get('message')})")
    r = md.request("POST", "/api/v1/play", raw=b'{"package": ', headers={"Content-Type": "application/json"})
    check(r.status == 400 and "JSON" in r.json["message"], "invalid JSON: 400")
    r = md.request("POST", "/api/v1/play", raw=b'{"package":"%s"}' % WAVE.encode(),
                   headers={"Content-Type": "text/plain"})
    check(r.status == 415, "a JSON body sent as text/plain: 415")
    check(md.status()["motion"]["current"] is None, "none of the bad bodies played anything")

    # Event stream: a hello first; the stream limit.
    ev = T.EventStream(md)
    ev.wait(lambda n, d: n == "hello" and "motion" in d, 10, "hello")
    check(True, "an event stream starts with the state")
    md.post("/api/v1/play", {"package": WAVE})
    ev.wait(lambda n, d: n == "motion" and d["event"] == "started", 30, "started")
    last = ev.events[-1][2]
    ev.close()
    ev2 = T.EventStream(md, last_event_id=last - 3)
    got = ev2.wait(lambda n, d: n != "hello", 10, "replayed events")
    check(got[2] == last - 2, f"Last-Event-ID resumes after the event named ({got[2]})")
    ev2.close()
    # Closed streams hold their place until the server next writes to them (a keep-alive), so
    # count what the server says rather than what this side closed.
    streams = []
    for _ in range(5):
        streams.append(T.EventStream(md))
        if streams[-1].status != 200:
            break
    opened = sum(1 for s in streams if s.status == 200)
    check(streams[-1].status == 503 and streams[-1].json["error"] == "too-many-streams" and
          opened <= 3, f"more event streams than max_event_streams: 503 (after {opened} more)")
    for s in streams:
        s.close()
    md.post("/api/v1/stop")
    T.wait_for(lambda: md.activity() == "idle", 30, "idle")


def test_http_rules(md):
    r = md.get("/api/v1/nothing-here")
    check(r.status == 404 and r.json["error"] == "not-found", "an unknown path: 404")
    for method, path in (("PUT", "/api/v1/status"), ("DELETE", "/api/v1/status"),
                         ("GET", "/api/v1/estop"), ("PATCH", "/api/v1/play"),
                         ("POST", "/api/v1/tokens"), ("OPTIONS", "/api/v1/status"),
                         ("POST", "/")):
        r = md.request(method, path)
        check(r.status == 405 and "Allow" in r.headers, f"{method} {path}: 405 Allow: "
              f"{r.headers.get('Allow')}")
    # Bodies: a Content-Length over the cap is refused before a byte is read; so is a chunked
    # body that grows past it.
    big = b"{" + b" " * (70 * 1024) + b"}"
    r = md.request("POST", "/api/v1/play", raw=big, headers={"Content-Type": "application/json"})
    check(r.status == 413 and r.json["error"] == "too-large", "a body over max_body: 413")
    conn = http.client.HTTPConnection("127.0.0.1", md.port, timeout=30)
    conn.putrequest("POST", "/api/v1/play")
    conn.putheader("Authorization", f"Bearer {md.token}")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    try:
        for _ in range(20):
            chunk = b" " * 8192
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.send(b"0\r\n\r\n")
        status = conn.getresponse().status
    except OSError:
        status = 0
    conn.close()
    check(status in (413, 0), f"a chunked body over the cap is refused ({status or 'closed'})")
    r = md.request("POST", "/api/v1/status", raw=b"x" * 10)
    check(r.status == 405, "a body to a GET route: 405")
    check(raw_request(md.port, b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: "
                      b"99999999999999999999999\r\n\r\n") in (400, 413, 0),
          "an absurd Content-Length is refused")
    check(md.get("/" + "a" * 2000).status in (404, 414), "a long path is refused")

    # Cross-origin: refused by default, the page's own origin works.
    own = f"http://127.0.0.1:{md.port}"
    for path, method in (("/api/v1/status", "GET"), ("/api/v1/estop", "POST"),
                         ("/api/v1/pair", "POST")):
        r = md.request(method, path, {} if method == "POST" else None,
                       headers={"Origin": "http://evil.example"})
        check(r.status == 403 and r.json["error"] == "cross-origin",
              f"{method} {path} from another origin: 403")
    check(not md.status()["motion"]["faults"], "the cross-origin e-stop did nothing")
    r = md.get("/api/v1/status", headers={"Origin": own})
    check(r.status == 200 and "Access-Control-Allow-Origin" not in r.headers,
          "the page's own origin is fine (and gets no CORS header)")
    r = md.get("/api/v1/status", headers={"Sec-Fetch-Site": "cross-site"})
    check(r.status == 403, "a cross-site fetch without Origin: 403")
    r = md.request("OPTIONS", "/api/v1/status", headers={"Origin": "http://evil.example",
                                                          "Access-Control-Request-Method": "GET"})
    check(r.status in (403, 405) and "Access-Control-Allow-Origin" not in r.headers,
          "a CORS preflight is not answered by default")


def test_pairing(md):
    r = md.post("/api/v1/pair", {"code": "12345"}, token=None)
    check(r.status == 400, "a malformed code: 400")
    code = md.pairing_code()
    r = md.post("/api/v1/pair", {"code": code, "name": "phone\u0007"}, token=None)
    check(r.status == 400, "a device name with a control character: 400")
    r = md.post("/api/v1/pair", {"code": code, "name": "Ada's 手机"}, token=None)
    check(r.status == 201 and re.fullmatch(r"mdt_[0-9a-f]{64}", r.json["token"]),
          "a code is exchanged for a token")
    r = md.post("/api/v1/pair", {"code": code}, token=None)
    check(r.status == 403 and r.json["error"] == "wrong-code", "a code works once")
    check(md.pairing_code() != code, "a new code is made after one is used")
    log = md.log()
    check(re.search(r"pairing code: \d{6} \(valid \d+ s, once\)", log) and "#pair=" in log,
          "motiond prints the pairing code and the page's link")


def test_rate_limit(w):
    md = T.Motiond(os.path.join(w.path), config={"pairing_attempts_per_minute": 3}, name="limited")
    try:
        good = md.pairing_code()
        bad = "000000" if good != "000000" else "111111"
        got = [md.post("/api/v1/pair", {"code": bad}, token=None).status for _ in range(3)]
        check(got == [403, 403, 403], "wrong codes: 403 while under the limit")
        r = md.post("/api/v1/pair", {"code": md.pairing_code()}, token=None)
        check(r.status == 429 and int(r.headers["Retry-After"]) > 0 and r.json["retry_after"] > 0,
              "over the limit: 429 with Retry-After, even for the right code")
        # The limit is per address: another device (127.0.0.2 on loopback) has its own.
        def pair_from(addr, code):
            conn = http.client.HTTPConnection("127.0.0.1", md.port, timeout=30,
                                              source_address=(addr, 0))
            try:
                conn.request("POST", "/api/v1/pair", body=json.dumps({"code": code}),
                             headers={"Content-Type": "application/json"})
                return conn.getresponse().status
            finally:
                conn.close()
        check(pair_from("127.0.0.2", md.pairing_code()) == 201,
              "another address still pairs while the first is limited")
        check(pair_from("127.0.0.1", md.pairing_code()) == 429, "and the first one still waits")
        check(md.stop() == 0, "stops cleanly")
    finally:
        if md.proc:
            md.stop()


def test_qr(w):
    md = T.Motiond(os.path.join(w.path), extra_args=["--qr", "always"], name="qr")
    try:
        log = md.log()
        rows = [l for l in log.splitlines() if l and set(l) <= set(" \u2580\u2584\u2588")]
        check(len(rows) >= 12 and len(set(len(r) for r in rows)) == 1 and rows[0] == "\u2588" * len(rows[0]),
              f"--qr always prints a QR code ({len(rows)} rows of {len(rows[0]) if rows else 0})")
    finally:
        md.stop()


def test_origins(w):
    allowed = "https://phone.example"
    md = T.Motiond(os.path.join(w.path), config={"allowed_origins": [allowed]}, name="cors")
    try:
        md.pair()
        r = md.request("OPTIONS", "/api/v1/status", headers={"Origin": allowed,
                                                             "Access-Control-Request-Method": "GET"})
        check(r.status == 204 and r.headers.get("Access-Control-Allow-Origin") == allowed and
              "Authorization" in r.headers.get("Access-Control-Allow-Headers", ""),
              "a configured origin gets its preflight answered")
        r = md.get("/api/v1/status", headers={"Origin": allowed})
        check(r.status == 200 and r.headers.get("Access-Control-Allow-Origin") == allowed,
              "and its requests carry Access-Control-Allow-Origin")
        r = md.get("/api/v1/status", headers={"Origin": "https://other.example"})
        check(r.status == 403, "other origins are still refused")
        r = md.get("/api/v1/status", headers={"Origin": allowed}, token=None)
        check(r.status == 401, "an allowed origin still needs a token")
    finally:
        md.stop()


def test_upload_cap(w):
    """Sideloads have their own cap (max_upload): over it, 413 before the body is read, or the
    connection closed once a chunked body grows past it; nothing is left in the upload folder."""
    md = T.Motiond(os.path.join(w.path), config={"max_upload": 16384}, name="upload-cap")
    try:
        md.pair()
        ctype, body = T.multipart([("package", "p.mpk", b"x" * 2000)])
        r = md.request("POST", "/api/v1/sideload", raw=body, headers={"Content-Type": ctype})
        check(r.status == 400 and r.json["error"] == "bad-upload",
              f"an upload under max_upload is read (and refused for what it is: {r.status})")
        ctype, body = T.multipart([("package", "p.mpk", b"x" * 40000)])
        r = md.request("POST", "/api/v1/sideload", raw=body, headers={"Content-Type": ctype})
        check(r.status == 413 and r.json["error"] == "too-large",
              f"an upload over max_upload: 413 ({r.status})")
        conn = http.client.HTTPConnection("127.0.0.1", md.port, timeout=30)
        conn.putrequest("POST", "/api/v1/sideload")
        conn.putheader("Authorization", f"Bearer {md.token}")
        conn.putheader("Content-Type", ctype)
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        try:
            for i in range(0, len(body), 4096):
                chunk = body[i:i + 4096]
                conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.send(b"0\r\n\r\n")
            status = conn.getresponse().status
        except OSError:
            status = 0
        conn.close()
        check(status in (413, 0), f"a chunked upload growing past max_upload is refused "
              f"({status or 'closed'})")
        uploads = os.path.join(md.root, "var/cache/motionstore/motiond-uploads")
        T.wait_for(lambda: not os.path.isdir(uploads) or os.listdir(uploads) == [], 10,
                   "the upload folder to be empty")
        check(True, "refused uploads leave no file behind")
        check(md.status()["motion"]["faults"] == [], "and motiond is fine")
    finally:
        md.stop()


def test_openapi(table):
    path = os.path.join(T.SRC, "docs", "bridge-api.openapi.json")
    with open(path) as f:
        doc = json.load(f)
    documented = set()
    for p, item in doc["paths"].items():
        for method in item:
            if method in ("get", "post", "delete"):
                documented.add((method.upper(), re.sub(r"\{[^}]+\}", "*", p)))
    served = {(m, p) for m, p, _, _ in table}
    check(documented == served, f"the OpenAPI file documents exactly the routes motiond serves "
          f"(missing {sorted(served - documented)}, extra {sorted(documented - served)})")
    public = {(m, p) for m, p, a, _ in table if "public" in a}
    for p, item in doc["paths"].items():
        for method, op in item.items():
            key = (method.upper(), re.sub(r"\{[^}]+\}", "*", p))
            if key in served and key not in public:
                check(op.get("security", doc.get("security")) not in (None, []),
                      f"the OpenAPI file says {key[0]} {key[1]} needs a token")


def main():
    w = T.Workdir("motiond-api")
    store = md = None
    try:
        table = routes()
        check(len(table) >= 30, f"motiond serves {len(table)} routes")
        store = T.Store(w.path)
        md = T.Motiond(w.path, store, config={"max_event_streams": 3})
        md.wait_jobs_idle()
        test_pairing(md)
        test_matrix(md, table)
        test_endpoints(md)
        test_http_rules(md)
        check(md.stop() == 0, "motiond stops cleanly")
        test_rate_limit(w)
        test_qr(w)
        test_origins(w)
        test_upload_cap(w)
        test_openapi(table)
    finally:
        if md and md.proc:
            md.stop()
        if store:
            store.stop()
        w.cleanup(keep=bool(T.FAILURES))
    T.finish()


if __name__ == "__main__":
    main()
