"""Two `mstore update` at once: the second waits for the first (the metadata lock), so the stored
timestamp is never older than the newest one either of them fetched. The same holds between an
update and the refresh that starts an install, in either order, and a burst of concurrent updates,
installs and upgrades on one --root leaves consistent metadata, database and packages.

Without the lock the race goes like this, and the server below makes it happen every time:
update A reads the stored timestamp (v1) and asks for timestamp.json; the store answers with v2,
slowly. Meanwhile the store publishes v3 and update B runs from start to end, storing v3. Then A's
v2 arrives: newer than the v1 that A checked it against, so A stores it over B's v3, and the robot
is left one version older (and A fails on the snapshot, older than the stored one)."""
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from mstore_testlib import MSTORE, Repo, Robot, Server, check, finish, workdir  # noqa: E402


class Update:
    """`mstore --verbose update` (or other arguments) in the background, its stderr collected line by line."""

    def __init__(self, robot, *args):
        env = dict(os.environ)
        env.pop("MSTORE_ROOT", None)
        self.proc = subprocess.Popen([MSTORE, "--root", robot.root, "--verbose",
                                      *(args or ("update",))],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def said(self, text):
        return any(text in line for line in list(self.lines))

    def finish(self, timeout=120):
        rc = self.proc.wait(timeout)
        self.reader.join(10)
        self.proc.stdout.close()
        return rc


def wait_until(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    print("gave up waiting for", what, flush=True)
    return False


def stored_timestamp(robot):
    with open(os.path.join(robot.state, "metadata", "timestamp.json")) as f:
        return json.load(f)["signed"]["version"]


def published_timestamp(repo):
    with open(os.path.join(repo.dir, "metadata", "timestamp.json")) as f:
        return json.load(f)["signed"]["version"]


base = workdir("mstore-update-lock")
repo = Repo(base)
repo.add(repo.make_package("com.example.wave", "1.0.0"))
repo.publish()
server = Server(repo.dir)
robot = Robot(base, repo.root_json(), store=server.url)
try:
    r = robot.mstore("update")
    check(r.returncode == 0, f"first update ({r.stderr.strip()})")
    check(stored_timestamp(robot) == published_timestamp(repo), "the robot stores timestamp v1")

    # A: its timestamp request is answered with v2, held until B has had its chance.
    repo.publish()
    v2 = published_timestamp(repo)
    read, release = threading.Event(), threading.Event()
    server.rules.add("/metadata/timestamp.json", "hold", (read, release), times=1)
    a = Update(robot)
    check(read.wait(60), "update A asked for timestamp.json, and the store read v2 for it")

    # B: the store has published v3 since. B either waits for A (the lock) or, without one,
    # stores v3 before A's answer arrives.
    repo.publish()
    v3 = published_timestamp(repo)
    b = Update(robot)
    check(wait_until(lambda: b.proc.poll() is not None or b.said("waiting for the metadata lock"),
                     60, "update B to finish or wait"), "update B finished or waits")
    check(b.proc.poll() is None and b.said("waiting for the metadata lock"),
          "update B waits for update A (the metadata lock)")
    release.set()
    rc_a, rc_b = a.finish(), b.finish()
    check(rc_a == 0, f"update A succeeds (exit {rc_a}: {' | '.join(a.lines[-3:])})")
    check(rc_b == 0, f"update B succeeds (exit {rc_b}: {' | '.join(b.lines[-3:])})")
    check(stored_timestamp(robot) == v3,
          f"the robot stores the newest timestamp v{v3}, not A's v{v2} "
          f"(stored: v{stored_timestamp(robot)})")

    # The lock is waited for, not a failure: a canceled wait is (exit 10), and nothing changes.
    r = robot.mstore("update")
    check(r.returncode == 0 and stored_timestamp(robot) == v3, "a later update works")
    with open(os.path.join(robot.state, "metadata.lock"), "a") as held:
        import fcntl
        fcntl.flock(held, fcntl.LOCK_EX)
        c = Update(robot)
        check(wait_until(lambda: c.proc.poll() is not None or
                         c.said("waiting for the metadata lock"), 60, "update C to finish or wait")
              and c.proc.poll() is None,
              "update C waits while another process holds the metadata lock")
        c.proc.terminate()
        rc_c = c.finish()
        check(rc_c == 10, f"update C, interrupted while waiting, exits 10 (canceled): {rc_c}")
        fcntl.flock(held, fcntl.LOCK_UN)
    check(stored_timestamp(robot) == v3, "the canceled update changed nothing")

    # An update against an install's refresh, in both orders: the one that comes second waits
    # for the metadata lock, and the robot ends with the newest timestamp and the package.
    repo.add(repo.make_package("com.example.bow", "1.0.0"))
    repo.add(repo.make_package("com.example.nod", "1.0.0"))
    for first, second, pid in ((("update",), ("install", "com.example.bow"), "com.example.bow"),
                               (("install", "com.example.nod"), ("update",), "com.example.nod")):
        repo.publish()
        read, release = threading.Event(), threading.Event()
        server.rules.add("/metadata/timestamp.json", "hold", (read, release), times=1)
        a = Update(robot, *first)
        check(read.wait(60), f"{first[0]} asked for timestamp.json")
        repo.publish()
        newest = published_timestamp(repo)
        b = Update(robot, *second)
        check(wait_until(lambda: b.proc.poll() is not None or
                         b.said("waiting for the metadata lock"), 60, f"{second[0]} to wait")
              and b.proc.poll() is None, f"{second[0]} waits while {first[0]} refreshes")
        release.set()
        rc_a, rc_b = a.finish(), b.finish()
        check(rc_a == 0 and rc_b == 0,
              f"{first[0]} then {second[0]}: both succeed (exit {rc_a}, {rc_b}: "
              f"{' | '.join(a.lines[-2:] + b.lines[-2:])})")
        check(stored_timestamp(robot) == newest,
              f"{first[0]} then {second[0]}: the robot stores the newest timestamp v{newest} "
              f"(stored: v{stored_timestamp(robot)})")
        check(robot.installed().get(pid) == "1.0.0", f"{pid} installed")

    # A burst: updates, installs and upgrades of one root at once, a new repository version
    # between rounds. Everything succeeds and nothing is torn.
    for rnd in range(4):
        repo.add(repo.make_package("com.example.bow", f"1.{rnd + 1}.0"))
        repo.publish()
        jobs = [Update(robot), Update(robot), Update(robot, "--wait", "120", "upgrade"),
                Update(robot, "--wait", "120", "install", "com.example.wave"),
                Update(robot, "--wait", "120", "install", f"com.example.bow@1.{rnd + 1}.0")]
        codes = [j.finish() for j in jobs]
        check(codes == [0] * len(jobs), f"round {rnd}: every job succeeds: {codes} "
              f"{[j.lines[-1:] for j in jobs if j.proc.returncode]}")
        check(stored_timestamp(robot) == published_timestamp(repo),
              f"round {rnd}: the stored timestamp is the published one")
        meta = os.path.join(robot.state, "metadata")
        for name in os.listdir(meta):
            try:
                with open(os.path.join(meta, name)) as f:
                    json.load(f)
            except (OSError, ValueError) as e:
                check(False, f"round {rnd}: stored metadata {name} is whole: {e}")
        check(not [n for n in os.listdir(meta) if not n.endswith(".json")],
              f"round {rnd}: no temporary file left in the metadata folder: {os.listdir(meta)}")
        check(robot.installed().get("com.example.bow") == f"1.{rnd + 1}.0",
              f"round {rnd}: bow at 1.{rnd + 1}.0: {robot.installed()}")
        r = robot.mstore("verify")
        check(r.returncode == 0, f"round {rnd}: verify passes: {r.stdout}{r.stderr}")
finally:
    server.stop()
finish()
