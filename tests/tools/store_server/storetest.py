"""Helpers for the mstore-server scenario tests: a store in a temporary folder, developers,
packages, uploads with `mpk upload`, and a robot's view through libmstore's TUF client.

Only the standard library; programs come from $MS_BIN_DIR, temporary files go under $MS_TEST_TMP.
"""
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BIN = os.environ.get("MS_BIN_DIR", "")
SRC = os.environ.get("MS_SOURCE_DIR", "")
TMP = os.environ.get("MS_TEST_TMP", "/tmp")


def prog(name):
    path = os.path.join(BIN, name)
    if not os.path.exists(path):
        raise SystemExit(f"{path}: missing (run through ctest after building)")
    return path


def run(args, check=True, env=None, timeout=120, input=None):
    """Runs a program; returns (exit code, stdout, stderr)."""
    p = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout,
                       input=input)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p.returncode, p.stdout, p.stderr


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Developer:
    def __init__(self, name, key, token, token_id):
        self.name, self.key, self.token, self.token_id = name, key, token, token_id


class Store:
    def __init__(self, name, review=False, config=None, init_args=()):
        os.makedirs(TMP, exist_ok=True)
        self.base = tempfile.mkdtemp(prefix=f"{name}.", dir=TMP)
        self.dir = os.path.join(self.base, "store")
        self.proc = None
        self.url = None
        args = [prog("mstore-server"), "init", self.dir, "--port", "0"]
        if review:
            args.append("--review")
        run(args + list(init_args))
        if config:
            path = os.path.join(self.dir, "server.json")
            with open(path) as f:
                cfg = json.load(f)
            cfg.update(config)
            with open(path, "w") as f:
                json.dump(cfg, f)
        self.root = os.path.join(self.dir, "repository", "metadata", "1.root.json")
        self.root_keys = [os.path.join(self.dir, "offline", f"root-{i}.json") for i in (1, 2, 3)]

    # -- administration ------------------------------------------------------------------------
    def cli(self, *args, check=True):
        return run([prog("mstore-server"), "--dir", self.dir] + list(args), check=check)

    def cli_json(self, *args):
        return json.loads(run([prog("mstore-server"), "--dir", self.dir, "--json"] +
                              list(args))[1])

    def add_developer(self, name, namespaces):
        key = os.path.join(self.base, f"{name}.pem")
        run([prog("ms_store_mkpkg"), "genkey", key])
        args = ["developer", "add", name, "--key", key + ".pub"]
        for ns in namespaces:
            args += ["--namespace", ns]
        self.cli(*args)
        out = self.cli_json("token", "issue", name, "--label", "test")
        return Developer(name, key, out["token"], out["id"])

    def status(self):
        return json.loads(self.cli("status")[1])

    def db(self):
        return sqlite3.connect(os.path.join(self.dir, "state.db"), timeout=30)

    # -- packages --------------------------------------------------------------------------------
    def mkpkg(self, dev_or_key, pkg_id, version, *extra, name=None):
        key = dev_or_key.key if isinstance(dev_or_key, Developer) else dev_or_key
        out = os.path.join(self.base, f"{pkg_id}-{version}{name or ''}.mpk")
        run([prog("ms_store_mkpkg"), "build", out, "--key", key, "--id", pkg_id, "--version",
             version] + list(extra))
        return out

    def upload(self, path, token, check=None):
        """mpk upload --json: returns (exit code, answer as JSON or None, stderr)."""
        rc, out, err = run([prog("mpk"), "upload", path, "--store", self.url, "--token", token,
                            "--json"], check=False)
        answer = json.loads(out) if out.strip() else None
        if check is not None and rc != check:
            raise AssertionError(f"mpk upload {path}: exit {rc}, expected {check}: {out}{err}")
        return rc, answer, err

    # -- serving ----------------------------------------------------------------------------------
    def serve(self, env=None):
        port_file = os.path.join(self.base, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        log = open(os.path.join(self.base, "serve.log"), "a")
        self.proc = subprocess.Popen([prog("mstore-server"), "serve", self.dir, "--port-file",
                                      port_file], stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 30
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise AssertionError("mstore-server serve did not start: " + self.log())
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read())
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def log(self):
        try:
            with open(os.path.join(self.base, "serve.log")) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM):
        """Stops the server; after SIGTERM it must exit cleanly (under the sanitizers that
        also means no leak and no error report)."""
        proc, self.proc = self.proc, None
        if not proc:
            return
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise AssertionError("mstore-server did not stop on SIGTERM: " + self.log())
        if sig == signal.SIGTERM and proc.returncode != 0:
            raise AssertionError(f"mstore-server exited {proc.returncode}: " + self.log()[-3000:])

    def get(self, path, headers=None, method="GET", data=None):
        """HTTP request to the server: returns (status, headers, body bytes)."""
        req = urllib.request.Request(self.url + path, headers=headers or {}, method=method,
                                     data=data)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def api(self, path, token, method="GET", data=None, headers=None):
        h = {"Authorization": f"Bearer {token}"}
        h.update(headers or {})
        status, _, body = self.get(path, h, method, data)
        return status, json.loads(body) if body else None

    # -- the robot's view ---------------------------------------------------------------------------
    def client(self, workdir=None, download=False, url=None, check=True):
        """libmstore's TUF client against the repository. Returns its JSON summary."""
        workdir = workdir or tempfile.mkdtemp(prefix="client.", dir=self.base)
        args = [prog("ms_store_client"), "--root", self.root, "--url", url or self.url, "--dir",
                workdir]
        if download:
            args.append("--download")
        rc, out, err = run(args, check=False)
        if check and rc != 0:
            raise AssertionError(f"client failed against {url or self.url}: {err}")
        return json.loads(out) if rc == 0 else None

    def incoming_files(self):
        return os.listdir(os.path.join(self.dir, "incoming"))

    def cleanup(self):
        try:
            self.stop()
        finally:
            if os.environ.get("MS_KEEP_TMP") != "1":
                shutil.rmtree(self.base, ignore_errors=True)


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def main(fn):
    """Runs a scenario, printing a closing line ctest and CI understand."""
    try:
        fn()
    except AssertionError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        print("0 passed, 1 failed")
        sys.exit(1)
    print("1 passed, 0 failed")


class Nginx:
    """Debian's nginx on 127.0.0.1 with the shipped configuration (tools/store-server/nginx),
    serving a store's repository folder and passing /api/ to mstore-server."""

    def __init__(self, store, workers=1, tls=None):
        """tls: (certificate, key) PEM files to serve HTTPS instead of HTTP."""
        self.base = tempfile.mkdtemp(prefix="nginx.", dir=store.base)
        self.port = free_port()
        with open(os.path.join(SRC, "tools", "store-server", "nginx", "motionstore.conf.in")) as f:
            site = f.read()
        listen = f"127.0.0.1:{self.port}"
        if tls:
            listen += f" ssl;\n    ssl_certificate {tls[0]};\n    ssl_certificate_key {tls[1]}"
        site = (site.replace("listen @LISTEN@;", f"listen {listen};")
                .replace("@REPOSITORY@", os.path.join(store.dir, "repository"))
                .replace("@API@", f"127.0.0.1:{store.port}"))
        with open(os.path.join(self.base, "site.conf"), "w") as f:
            f.write(site)
        user = "user root;\n" if os.geteuid() == 0 else ""
        tmp = os.path.join(self.base, "tmp")
        os.makedirs(tmp)
        with open(os.path.join(self.base, "nginx.conf"), "w") as f:
            f.write(f"""{user}worker_processes {workers};
daemon off;
pid {self.base}/nginx.pid;
error_log {self.base}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    keepalive_requests 100000;
    include {self.base}/site.conf;
}}
""")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen([nginx, "-p", self.base, "-c",
                                      os.path.join(self.base, "nginx.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise AssertionError("nginx did not start: " +
                                         self.proc.stderr.read().decode(errors="replace"))
                time.sleep(0.05)

    def get(self, path, headers=None, method="GET"):
        req = urllib.request.Request(self.url + path, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
