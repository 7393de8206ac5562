"""Shared pieces of motiond's scenario tests: a real cloud store (mstore-server on 127.0.0.1)
seeded with the example packages, a motiond on the simulated robot, an HTTP client for its API
(TCP or its Unix socket) and an event-stream reader. Standard library only; programs come from
$MS_BIN_DIR, packages from $MS_BINARY_DIR/packages, temporary files go under $MS_TEST_TMP."""
import glob
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.environ.get("MS_BIN_DIR", "")
SRC = os.environ.get("MS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("MS_BINARY_DIR", "")
TMP = os.environ.get("MS_TEST_TMP", tempfile.gettempdir())
EXAMPLE_KEY = os.path.join(SRC, "packages", "keys", "example.key.pub")
EXAMPLE_NS = "org.motionstore.examples.*"
WAVE = "org.motionstore.examples.g1-wave"

FAILURES = []


def check(cond, what):
    """Records a failed expectation (the scenario goes on, and fails at the end)."""
    if cond:
        print("ok:", what, flush=True)
    else:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    return cond


def finish():
    if FAILURES:
        print(f"{len(FAILURES)} failed:", *FAILURES, sep="\n  ")
        sys.exit(1)
    print("all checks passed")
    sys.exit(0)


def prog(name):
    path = os.path.join(BIN, name)
    if not os.path.exists(path):
        raise SystemExit(f"{path}: missing (run through ctest after building)")
    return path


def run(args, check_rc=True, timeout=120, env=None):
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout,
                       env=env)
    if check_rc and p.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} exited {p.returncode}\n"
                             f"{p.stdout}\n{p.stderr}")
    return p


def example_packages():
    pkgs = sorted(glob.glob(os.path.join(BUILD, "packages", "*.mpk")))
    if not pkgs:
        raise SystemExit(f"no example packages in {BUILD}/packages (build the example_packages "
                         "target)")
    return pkgs


def wait_for(cond, timeout=30, what="condition", step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Workdir:
    def __init__(self, name):
        os.makedirs(TMP, exist_ok=True)
        self.path = tempfile.mkdtemp(prefix=name + ".", dir=TMP)

    def cleanup(self, keep=False):
        if not keep and os.environ.get("MS_KEEP_TMP") != "1":
            shutil.rmtree(self.path, ignore_errors=True)


class Store:
    """mstore-server on a free loopback port with the example developer's key registered and
    the given packages published (mpk upload, the way a developer publishes)."""

    def __init__(self, base, packages=None):
        self.dir = os.path.join(base, "store")
        self.base = base
        run([prog("mstore-server"), "init", self.dir, "--port", "0"])
        self.cli("developer", "add", "examples", "--key", EXAMPLE_KEY, "--namespace", EXAMPLE_NS)
        self.token = json.loads(self.cli("--json", "token", "issue", "examples", "--label",
                                         "tests").stdout)["token"]
        self.root = os.path.join(self.dir, "repository", "metadata", "1.root.json")
        self.proc = None
        self.serve()
        for pkg in packages if packages is not None else example_packages():
            self.upload(pkg)

    def cli(self, *args):
        return run([prog("mstore-server"), "--dir", self.dir, *args])

    def serve(self):
        port_file = os.path.join(self.base, "store.port")
        log = open(os.path.join(self.base, "store.log"), "a")
        self.proc = subprocess.Popen([prog("mstore-server"), "serve", self.dir, "--port-file",
                                      port_file], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_for(lambda: os.path.exists(port_file) or self.proc.poll() is not None, 30,
                 "mstore-server")
        if self.proc.poll() is not None:
            raise AssertionError("mstore-server did not start")
        with open(port_file) as f:
            self.port = int(f.read())
        self.url = f"http://127.0.0.1:{self.port}"

    def upload(self, pkg):
        r = run([prog("mpk"), "upload", pkg, "--store", self.url, "--token", self.token,
                 "--json"])
        return json.loads(r.stdout)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Motiond:
    """motiond on 127.0.0.1 with the sim backend, its data root in base/robot."""

    def __init__(self, base, store=None, extra_args=(), config=None, realtime=False, name="motiond"):
        self.base = base
        self.root = os.path.join(base, "robot")
        self.log_path = os.path.join(base, name + ".log")
        self.port_file = os.path.join(base, name + ".port")
        self.socket = os.path.join(base, name + ".sock")
        self.config_path = os.path.join(base, name + ".json")
        cfg = {"robot": "g1-29dof", "backend": "sim", "listen": "127.0.0.1", "port": 0,
               "data_root": self.root, "socket": self.socket, "log_level": "debug",
               "realtime": realtime}
        if store:
            cfg["store_url"] = store.url
            cfg["trusted_root"] = store.root
        cfg.update(config or {})
        with open(self.config_path, "w") as f:
            json.dump(cfg, f)
        self.args = [prog("motiond"), "--config", self.config_path, "--port-file",
                     self.port_file, *extra_args]
        self.proc = None
        self.token = None
        self.start()

    def start(self):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        # The log is appended to across restarts: this run is ready when ITS 'ready' is written
        # (after the state file says it runs), not when an earlier run's line is found.
        before = len(self.log())
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_for(lambda: os.path.exists(self.port_file) or self.proc.poll() is not None, 60,
                 "motiond to listen")
        if self.proc.poll() is not None:
            raise AssertionError(f"motiond exited {self.proc.returncode}:\n{self.log()}")
        with open(self.port_file) as f:
            self.port = int(f.read())
        self.url = f"http://127.0.0.1:{self.port}"
        wait_for(lambda: re.search(r"^(<6>)?motiond: (\[info\] )?ready$", self.log()[before:],
                                   re.M), 30, "motiond to be ready")

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # -- requests ------------------------------------------------------------------------------
    def request(self, method, path, body=None, token="default", headers=None, local=False,
                raw=None, timeout=30):
        """One request. body: a JSON value; raw: bytes as they are. token "default" is the
        paired token (through the Unix socket before pairing), None sends none."""
        h = dict(headers or {})
        if token == "default":
            token = self.token
            if token is None:
                local = True  # not paired yet: the owner's way in is the Unix socket
        if token is not None and not local:
            h["Authorization"] = f"Bearer {token}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        conn = (UnixHTTPConnection(self.socket, timeout) if local
                else http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout))
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            return Response(r.status, r.headers, r.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body if body is not None else {}, **kw)

    def pairing_code(self):
        r = self.get("/api/v1/pairing", local=True)
        assert r.status == 200, r
        return r.json["code"]

    def pair(self, name="test phone"):
        r = self.post("/api/v1/pair", {"code": self.pairing_code(), "name": name}, token=None)
        assert r.status == 201, r
        if self.token is None:
            self.token = r.json["token"]
        return r.json

    def status(self):
        r = self.get("/api/v1/status")
        assert r.status == 200, r
        return r.json

    def job(self, job_id):
        r = self.get(f"/api/v1/jobs/{job_id}")
        assert r.status == 200, r
        return r.json["job"]

    def wait_job(self, job_id, timeout=60):
        return wait_for(lambda: (lambda j: j if j["state"] in ("done", "failed", "canceled")
                                 else None)(self.job(job_id)), timeout, f"job {job_id}")

    def wait_jobs_idle(self, timeout=60):
        wait_for(lambda: all(j["state"] in ("done", "failed", "canceled")
                             for j in self.get("/api/v1/jobs").json["jobs"]), timeout,
                 "the store jobs to finish")

    def install(self, pkg_id=WAVE, timeout=60):
        r = self.post("/api/v1/install", {"id": pkg_id})
        assert r.status == 202, r
        return self.wait_job(r.json["job"]["id"], timeout)

    def activity(self):
        return self.status()["motion"]["activity"]

    # -- stopping ------------------------------------------------------------------------------
    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stops motiond; returns its exit code."""
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("motiond did not stop on SIGTERM:\n" + self.log()[-3000:])
        rc = self.proc.returncode
        self.proc = None
        return rc


class EventStream:
    """Reads /api/v1/events in a thread; events are (name, data) in arrival order."""

    def __init__(self, md, token="default", last_event_id=None):
        self.events = []
        self.cond = threading.Condition()
        self.status = None
        self.closed = False
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        if token == "default":
            token = md.token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.conn = http.client.HTTPConnection("127.0.0.1", md.port, timeout=120)
        self.conn.request("GET", "/api/v1/events", headers=headers)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.content_type = self.resp.headers.get("Content-Type", "")
        self.json = None
        if self.status != 200:
            body = self.resp.read()
            self.json = json.loads(body) if body else None
            self.closed = True
            self.thread = None
            return
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        name, data, eid = None, [], None
        try:
            while True:
                line = self.resp.fp.readline()
                if not line:
                    break
                line = line.decode().rstrip("\n")
                if line == "":
                    if name or data:
                        try:
                            payload = json.loads("\n".join(data)) if data else None
                        except ValueError:
                            payload = {"unparsed": "\n".join(data)}
                        with self.cond:
                            self.events.append((name or "message", payload, eid))
                            self.cond.notify_all()
                    name, data, eid = None, [], None
                elif line.startswith(":"):
                    continue
                elif line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif line.startswith("id:"):
                    eid = int(line[3:].strip())
        except (OSError, ValueError, AttributeError):
            pass  # closed by this side (close() leaves the response without its file)
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def wait(self, pred, timeout=30, what="event", after=None):
        """Waits for an event matching pred(name, data); returns it. The search starts at the
        stream's first event, or just after the event `after` (one this returned before), so that
        an earlier event of the same kind is not taken for the one awaited."""
        deadline = time.monotonic() + timeout
        with self.cond:
            seen = 0
            if after is not None:
                seen = next(i for i, e in enumerate(self.events) if e is after) + 1
            while True:
                for ev in self.events[seen:]:
                    if pred(ev[0], ev[1]):
                        return ev
                seen = len(self.events)
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    raise AssertionError(f"no {what} in the event stream (got "
                                         f"{[e[0] for e in self.events][-20:]})")
                self.cond.wait(left)

    def names(self):
        with self.cond:
            return [e[0] for e in self.events]

    def close(self):
        try:
            if self.conn.sock:
                self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()


def multipart(fields):
    """fields: [(name, filename, bytes)] -> (content type, body)."""
    boundary = "----motiond-test-" + os.urandom(8).hex()
    out = bytearray()
    for name, filename, data in fields:
        out += f"--{boundary}\r\n".encode()
        disp = f'form-data; name="{name}"'
        if filename is not None:
            disp += f'; filename="{filename}"'
        out += f"Content-Disposition: {disp}\r\n".encode()
        out += b"Content-Type: application/octet-stream\r\n\r\n"
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", bytes(out)


class GatedStore:
    """An HTTP proxy in front of a store that holds package downloads half-way until open() is
    called: an install then sits in its download phase for as long as a test needs, with no
    timing guesswork. Everything else passes straight through."""

    def __init__(self, store):
        import http.server
        import socketserver
        upstream = ("127.0.0.1", store.port)
        self.gate = threading.Event()
        self.held = threading.Event()  # a download reached the gate
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                conn = http.client.HTTPConnection(*upstream, timeout=60)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() in ("range", "if-range", "if-none-match")}
                conn.request("GET", self.path, headers=headers)
                r = conn.getresponse()
                body = r.read()
                conn.close()
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in ("connection", "transfer-encoding", "date", "server"):
                        self.send_header(k, v)
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    if "/targets/packages/" in self.path and self.path.endswith(".mpk") \
                            and len(body) > 1:
                        half = len(body) // 2
                        self.wfile.write(body[:half])
                        self.wfile.flush()
                        proxy.held.set()
                        proxy.gate.wait(120)
                        self.wfile.write(body[half:])
                    else:
                        self.wfile.write(body)
                except OSError:
                    pass
                self.close_connection = True

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.root = store.root
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def open(self):
        self.gate.set()

    def close(self):
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()
