"""Shared pieces of the store client's scenario tests: a store repository built with
mstore_testrepo, a robot root folder, the mstore program, and an HTTP server on 127.0.0.1 that
serves the repository and misbehaves on request. Standard library only."""
import hashlib
import http.server
import json
import os
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.environ.get("MS_BIN_DIR", "")
TMP = os.environ.get("MS_TEST_TMP", tempfile.gettempdir())
MSTORE = os.path.join(BIN, "mstore")
TESTREPO = os.path.join(BIN, "mstore_testrepo")

FAILURES = []
WORKDIRS = []


def check(cond, what):
    """Records a failed expectation (the scenario goes on, and fails at the end)."""
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    else:
        print("ok:", what, flush=True)


def finish():
    if FAILURES:
        print(f"{len(FAILURES)} failed:", *FAILURES, sep="\n  ")
        sys.exit(1)
    print("all checks passed")
    for d in WORKDIRS:  # kept on failure, for a look
        shutil.rmtree(d, ignore_errors=True)
    sys.exit(0)


def workdir(name):
    os.makedirs(TMP, exist_ok=True)
    d = tempfile.mkdtemp(prefix=name + "-", dir=TMP)
    WORKDIRS.append(d)
    return d


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def testrepo(*args):
    r = run([TESTREPO, *map(str, args)])
    if r.returncode != 0:
        raise RuntimeError(f"mstore_testrepo {' '.join(map(str, args))}: {r.stderr}")
    return r


class Repo:
    """A store repository folder with a developer key."""

    def __init__(self, base):
        self.base = base
        self.dir = os.path.join(base, "repo")
        self.pkgs = os.path.join(base, "pkgs")
        os.makedirs(self.pkgs, exist_ok=True)
        self.key = os.path.join(base, "dev.pem")
        testrepo("genkey", self.key)
        testrepo("init", self.dir)

    def make_package(self, pid, version, key=None, robots=("g1-29dof",), min_runtime=None,
                     pad=0):
        out = os.path.join(self.pkgs, f"{pid}-{version}.mpk")
        args = ["mkpkg", out, "--key", key or self.key, "--id", pid, "--version", version]
        for r in robots:
            args += ["--robot", r]
        if min_runtime:
            args += ["--min-runtime", min_runtime]
        if pad:
            args += ["--pad", pad]
        testrepo(*args)
        return out

    def add(self, path, **fields):
        args = ["add", self.dir, path]
        for k, v in fields.items():
            args += ["--" + k.replace("_", "-"), v]
        testrepo(*args)

    def publish(self, *opts):
        testrepo("publish", self.dir, *opts)

    def root_json(self):
        return os.path.join(self.dir, "metadata", "1.root.json")

    def target_file(self, target):
        """Path of a published target file (consistent-snapshot name) in the repository."""
        d, name = os.path.split(target)
        folder = os.path.join(self.dir, "targets", d)
        for f in os.listdir(folder):
            if f.endswith("." + name) and len(f) == len(name) + 65:
                return os.path.join(folder, f)
        raise FileNotFoundError(target)


def package_key_id(mpk_path):
    """The developer key id a built package's signature.json names."""
    import zipfile
    with zipfile.ZipFile(mpk_path) as z:
        return json.loads(z.read("signature.json"))["key_id"]


class Robot:
    """A robot root folder: etc/motionstore/{config.json,root.json}."""

    def __init__(self, base, root_json, store=None, robot="g1-29dof", runtime="0.1.0", **cfg):
        self.root = os.path.join(base, "robot")
        etc = os.path.join(self.root, "etc", "motionstore")
        os.makedirs(etc, exist_ok=True)
        shutil.copy(root_json, os.path.join(etc, "root.json"))
        conf = {"robot": robot, "runtime_version": runtime}
        if store:
            conf["store"] = store
        conf.update(cfg)
        with open(os.path.join(etc, "config.json"), "w") as f:
            json.dump(conf, f)
        self.state = os.path.join(self.root, "var", "lib", "motionstore")

    def configure(self, **changes):
        path = os.path.join(self.root, "etc", "motionstore", "config.json")
        with open(path) as f:
            conf = json.load(f)
        conf.update(changes)
        with open(path, "w") as f:
            json.dump(conf, f)

    def mstore(self, *args, timeout=120, env=None):
        e = dict(os.environ)
        e.pop("MSTORE_ROOT", None)
        if env:
            e.update(env)
        return run([MSTORE, "--root", self.root, *map(str, args)], timeout=timeout, env=e)

    def json(self, *args):
        r = self.mstore("--json", *args)
        try:
            return r.returncode, json.loads(r.stdout) if r.stdout.strip() else None, r
        except json.JSONDecodeError:
            return r.returncode, None, r

    def installed(self):
        rc, doc, r = self.json("list")
        if rc != 0:
            raise RuntimeError("mstore list failed: " + r.stderr + r.stdout)
        return {p["id"]: p["version"] for p in doc["installed"]}

    def state_digest(self):
        """A digest of everything installed: folders, files, links and the database (not the
        lock file, the metadata or the cache, which an attempt may refresh)."""
        h = hashlib.sha256()
        pk = os.path.join(self.state, "packages")
        for top in (pk,):
            for dirpath, dirnames, filenames in sorted(os.walk(top)):
                dirnames.sort()
                h.update(dirpath.encode())
                for f in sorted(filenames):
                    p = os.path.join(dirpath, f)
                    h.update(f.encode())
                    if os.path.islink(p):
                        h.update(b"L" + os.readlink(p).encode())
                    else:
                        with open(p, "rb") as fh:
                            h.update(fh.read())
                for d in dirnames:
                    p = os.path.join(dirpath, d)
                    if os.path.islink(p):
                        h.update(b"L" + d.encode() + os.readlink(p).encode())
        db = os.path.join(self.state, "installed.json")
        if os.path.exists(db):
            with open(db, "rb") as fh:
                h.update(fh.read())
        return h.hexdigest()


# ---- HTTP server --------------------------------------------------------------------------

class Rules:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []  # [path_suffix, behaviour, param, times]
        self.log = []    # (path, range header)

    def add(self, suffix, behaviour, param=None, times=-1):
        with self.lock:
            self.rules.append([suffix, behaviour, param, times])

    def clear(self):
        with self.lock:
            self.rules.clear()

    def take(self, path):
        with self.lock:
            for r in self.rules:
                if path.endswith(r[0]) and r[3] != 0:
                    if r[3] > 0:
                        r[3] -= 1
                    return r[1], r[2]
        return None, None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def handle(self):
        try:
            super().handle()
        except OSError:
            pass  # a client that gave up: what several scenarios provoke on purpose

    def do_GET(self):
        srv = self.server
        path = self.path.split("?")[0]
        rng = self.headers.get("Range", "")
        with srv.rules.lock:
            srv.rules.log.append((path, rng))
        behaviour, param = srv.rules.take(path)
        fs = os.path.normpath(os.path.join(srv.root, path.lstrip("/")))
        if not fs.startswith(srv.root) or not os.path.isfile(fs):
            body = b"not found"
            self.send_response(404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        with open(fs, "rb") as f:
            data = f.read()
        if behaviour == "hold":
            # param: two threading.Events. Sets the first once the file is read, and answers
            # with the bytes read then once the second is set.
            param[0].set()
            param[1].wait(120)
        if behaviour == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
            return
        if behaviour == "garbage":
            self.wfile.write(b"\x00\xffGARBAGE\r\n\r\n" * 10)
            self.close_connection = True
            return
        if behaviour == "redirect":
            self.send_response(302)
            self.send_header("Location", param)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if behaviour == "status":
            self.send_response(param)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start = 0
        if rng.startswith("bytes=") and behaviour != "ignore_range":
            try:
                start = int(rng[6:].split("-")[0])
            except ValueError:
                start = 0
        if start >= len(data) and start > 0:
            self.send_response(416)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = data[start:]
        if behaviour == "endless":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                deadline = time.time() + 30
                while time.time() < deadline:
                    self.wfile.write(b"x" * 65536)
            except OSError:
                pass
            return
        if start:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        length = len(body)
        if behaviour == "wrong_length":
            length = param
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        try:
            if behaviour == "truncate":
                self.wfile.write(body[:param])
                self.wfile.flush()
                self.close_connection = True
                return
            if behaviour == "stall":
                self.wfile.write(body[:param])
                self.wfile.flush()
                time.sleep(srv.stall_seconds)
                self.close_connection = True
                return
            if behaviour == "wrong_length":
                self.wfile.write(body)
                self.close_connection = True
                return
            if behaviour == "slow":
                # param: seconds the whole body takes, sent in 20 even pieces.
                step = max(1, len(body) // 20)
                for i in range(0, len(body), step):
                    self.wfile.write(body[i:i + step])
                    self.wfile.flush()
                    time.sleep(param / 20)
                return
            self.wfile.write(body)
        except OSError:
            self.close_connection = True


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, root):
        super().__init__(("127.0.0.1", 0), Handler)
        self.root = os.path.realpath(root)
        self.rules = Rules()
        self.stall_seconds = 10
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def requests(self, suffix=""):
        with self.rules.lock:
            return [p for p in self.rules.log if p[0].endswith(suffix)]

    def stop(self):
        self.shutdown()
        self.server_close()
