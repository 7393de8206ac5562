"""mstore on a terminal and with several packages at once: `install` draws a progress bar on
stderr when stderr is a terminal (phase, package, bar, bytes done and total, rate, time left,
redrawn in place), and none in a pipe or with --json; `install A B` installs both in order, and
stops at the first failure, naming it, with the packages before it installed."""
import json
import os
import pty
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from mstore_testlib import MSTORE, Repo, Robot, Server, check, finish, workdir  # noqa: E402


def on_terminal(robot, *args):
    """Runs mstore with stderr on a pseudo-terminal (stdout a pipe): (exit, stdout, stderr)."""
    master, slave = pty.openpty()
    env = dict(os.environ)
    env.pop("MSTORE_ROOT", None)
    p = subprocess.Popen([MSTORE, "--root", robot.root, *args], stdout=subprocess.PIPE,
                         stderr=slave, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the last holder of the terminal closed it
            break
        if not chunk:
            break
        err += chunk
    os.close(master)
    out = p.stdout.read()
    p.stdout.close()
    return p.wait(60), out.decode(), err.decode(errors="replace")


base = workdir("mstore-terminal")
repo = Repo(base)
repo.add(repo.make_package("com.example.wave", "1.0.0", pad=1500000))
for pid in ("com.example.bow", "com.example.nod", "com.example.tap"):
    repo.add(repo.make_package(pid, "1.0.0"))
repo.publish()
srv = Server(repo.dir)
robot = Robot(base, repo.root_json(), store=srv.url)
try:
    # Two seconds for the 1.5 MB download: the bar is drawn several times on the way.
    srv.rules.add(".com.example.wave-1.0.0.mpk", "slow", 2.0, times=1)
    rc, out, err = on_terminal(robot, "install", "com.example.wave")
    check(rc == 0 and out.strip() == "installed", f"install on a terminal: {rc} {out!r} {err!r}")
    bars = [b for b in err.split("\r") if b.startswith("download")]
    check(len(bars) >= 3, f"the download bar is redrawn in place (\\r), {len(bars)} times: {err!r}")
    last = bars[-1] if bars else ""
    m = re.search(r"download +com\.example\.wave +\[(#*) *\] +([\d.]+ [KM]?B) / ([\d.]+ [KM]?B)"
                  r" +[\d.]+ [KM]?B/s +\d+:\d\d left", last)
    check(m is not None, f"the bar names phase, package, bytes, total, rate and time left: {last!r}")
    if m:
        check(m.group(1) == "#" * 24 and m.group(2) == m.group(3) and m.group(3).endswith("MB"),
              f"the last download bar is full, at the package's size: {last!r}")
    first = bars[0] if bars else ""
    check("#" * 24 not in first, f"the first bar is not yet full: {first!r}")
    check(any(b.startswith("extract") for b in err.split("\r")), f"an extract bar too: {err!r}")

    # No bar in a pipe or with --json.
    r = robot.mstore("install", "com.example.bow")
    check(r.returncode == 0 and "\r" not in r.stderr and "left" not in r.stderr,
          f"no bar when stderr is a pipe: {r.stderr!r}")
    rc, out, err = on_terminal(robot, "--json", "install", "com.example.nod")
    check(rc == 0 and "left" not in err and json.loads(out)["installed"] ==
          [{"id": "com.example.nod", "version": "1.0.0"}], f"no bar with --json, and JSON on stdout: {out!r} {err!r}")

    # Several packages in one command.
    robot.mstore("remove", "com.example.bow")
    robot.mstore("remove", "com.example.nod")
    r = robot.mstore("--json", "install", "com.example.bow", "com.example.nod@1.0.0")
    check(r.returncode == 0 and json.loads(r.stdout)["installed"] ==
          [{"id": "com.example.bow", "version": "1.0.0"},
           {"id": "com.example.nod", "version": "1.0.0"}],
          f"install A B@V installs both: {r.returncode} {r.stdout} {r.stderr}")
    inst = robot.installed()
    check(inst.get("com.example.bow") == "1.0.0" and inst.get("com.example.nod") == "1.0.0",
          f"both listed: {inst}")
    r = robot.mstore("install", "com.example.tap", "com.example.nosuch", "com.example.wave@9.0.0")
    check(r.returncode == 3 and "com.example.nosuch" in r.stderr,
          f"an unknown id stops the command with exit 3 and is named: {r.returncode} {r.stderr}")
    inst = robot.installed()
    check(inst.get("com.example.tap") == "1.0.0" and inst.get("com.example.wave") == "1.0.0",
          f"the package before the failure is installed, the one after untouched: {inst}")
    check(robot.mstore("verify").returncode == 0, "verify passes")
finally:
    srv.stop()
finish()
