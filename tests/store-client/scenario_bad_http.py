"""A store server that misbehaves on the package download (and on metadata): truncated body,
stall, reset, garbage, endless body, wrong length, redirect elsewhere, error statuses. Each
attempt must fail with a clear error and leave the installation exactly as it was; a transient
fault is survived by retry and resume, and the next clean run installs. A mirror that never
completes the TCP handshake is given up after the connect timeout, and the next mirror serves."""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from mstore_testlib import Repo, Robot, Server, check, finish, workdir  # noqa: E402

base = workdir("mstore-badhttp")
repo = Repo(base)
v1 = repo.make_package("com.example.wave", "1.0.0")
v2 = repo.make_package("com.example.wave", "2.0.0", pad=300000)
repo.add(v1)
repo.publish()
srv = Server(repo.dir)
srv.stall_seconds = 6
robot = Robot(base, repo.root_json(), store=srv.url, stall_timeout_ms=1500,
              connect_timeout_ms=2000, retries=1)
check(robot.mstore("install", "com.example.wave").returncode == 0, "install 1.0.0")
repo.add(v2)
repo.publish()
size = os.path.getsize(v2)
before = robot.state_digest()
PKG = ".com.example.wave-2.0.0.mpk"

cases = [
    ("truncated body", "truncate", 1000, {5}),
    ("stall", "stall", 1000, {5}),
    ("reset", "reset", None, {5}),
    ("garbage", "garbage", None, {5, 9}),
    ("endless body", "endless", None, {4, 9}),
    ("wrong length (short)", "wrong_length", 100, {4, 5}),
    ("wrong length (long)", "wrong_length", size * 2, {4, 5, 9}),
    ("redirect elsewhere", "redirect", "http://127.0.0.2:9/x.mpk", {3, 4, 5, 1}),
    ("HTTP 500", "status", 500, {5}),
    ("HTTP 404", "status", 404, {3}),
]
for name, behaviour, param, codes in cases:
    srv.rules.clear()
    srv.rules.add(PKG, behaviour, param)
    r = robot.mstore("upgrade", "com.example.wave", timeout=120)
    msg = r.stderr.strip()
    check(r.returncode != 0 and r.returncode in codes and "com.example.wave" in msg,
          f"{name}: exit {r.returncode}, message: {msg}")
    check(robot.state_digest() == before, f"{name}: installation unchanged")
    check(robot.mstore("verify").returncode == 0, f"{name}: verify passes")

# Metadata faults: the TUF update fails, nothing changes, the old trusted state stays.
for name, behaviour, param in [("timestamp garbage", "garbage", None),
                               ("timestamp endless", "endless", None),
                               ("timestamp truncated", "truncate", 10)]:
    srv.rules.clear()
    srv.rules.add("/timestamp.json", behaviour, param)
    r = robot.mstore("upgrade", "com.example.wave", timeout=120)
    check(r.returncode != 0 and r.stderr.strip(), f"{name}: exit {r.returncode}: {r.stderr.strip()}")
    check(robot.state_digest() == before, f"{name}: installation unchanged")

# A transient truncation is retried and resumed with a Range request.
srv.rules.clear()
srv.rules.log.clear()
srv.rules.add(PKG, "truncate", 200000, times=1)
r = robot.mstore("upgrade", "com.example.wave")
reqs = srv.requests(PKG)
check(r.returncode == 0 and robot.installed()["com.example.wave"] == "2.0.0",
      f"a transient truncation is survived: {r.stderr}")
check(len(reqs) >= 2 and any(rng.startswith("bytes=") and rng != "bytes=0-" for _, rng in reqs),
      f"the retry resumes with Range: {reqs}")
check(robot.mstore("verify").returncode == 0, "verify after the resumed install")

# A mirror that never answers the TCP handshake: a listening socket whose accept queue is full
# drops further SYNs, so connecting hangs until the client's connect timeout.
hole = socket.socket()
hole.bind(("127.0.0.1", 0))
hole.listen(0)
fillers = []
for _ in range(3):
    f = socket.socket()
    f.setblocking(False)
    try:
        f.connect(hole.getsockname())
    except BlockingIOError:
        pass
    fillers.append(f)
hole_url = "http://127.0.0.1:%d" % hole.getsockname()[1]
os.makedirs(os.path.join(base, "hole"))
far = Robot(os.path.join(base, "hole"), repo.root_json(), store=hole_url, connect_timeout_ms=700,
            retries=1)
start = time.monotonic()
r = far.mstore("update")
took = time.monotonic() - start
check(r.returncode == 5 and "timeout" in r.stderr.lower().replace("timed out", "timeout"),
      f"a store that never connects: exit 5 with a timeout message: {r.returncode} {r.stderr}")
# Two attempts of 0.7 s and one backoff of 0.5 s; far less than curl's own 300 s default.
check(1.4 <= took < 15, f"given up after the connect timeouts: {took:.1f} s")
far.configure(store=[hole_url, srv.url], retries=0)
r = far.mstore("install", "com.example.wave")
check(r.returncode == 0 and far.installed() == {"com.example.wave": "2.0.0"},
      f"the next mirror serves when the first never connects: {r.returncode} {r.stderr}")
for f in fillers:
    f.close()
hole.close()

srv.stop()
finish()
