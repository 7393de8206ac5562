"""The store client end to end through the real mstore program and a store served over HTTP on
127.0.0.1: update, search, info, install, list, verify, upgrade, rollback, remove, the
compatibility and developer-key rules, the lock, the cache, recovery of leftovers, and JSON."""
import fcntl
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from mstore_testlib import (Repo, Robot, Server, check, finish, package_key_id,  # noqa: E402
                            workdir)

base = workdir("mstore-flow")
repo = Repo(base)
wave1 = repo.make_package("com.example.wave", "1.0.0")
wave2 = repo.make_package("com.example.wave", "1.1.0")
go2 = repo.make_package("com.example.dog", "1.0.0", robots=("go2",))
newrt = repo.make_package("com.example.future", "2.0.0", min_runtime="9.0.0")
repo.add(wave1)
repo.add(go2)
repo.add(newrt)
repo.publish()
srv = Server(repo.dir)
robot = Robot(base, repo.root_json(), store=srv.url)

r = robot.mstore("update")
check(r.returncode == 0 and "up to date" in r.stdout, f"update: {r.stdout}{r.stderr}")

rc, doc, r = robot.json("search")
ids = sorted(p["id"] for p in doc["packages"])
check(ids == ["com.example.future", "com.example.wave"], f"search defaults to this robot's model: {ids}")
rc, doc, r = robot.json("search", "--all-robots")
check(len(doc["packages"]) == 3, "search --all-robots lists every package")
rc, doc, r = robot.json("search", "--robot", "go2")
check([p["id"] for p in doc["packages"]] == ["com.example.dog"], "search --robot go2")
rc, doc, r = robot.json("search", "EXAMPLE.WAVE")
check([p["id"] for p in doc["packages"]] == ["com.example.wave"], "search text is case-insensitive")
rc, doc, r = robot.json("search", "--category", "dance")
check(doc["packages"] == [], "search --category filters")
rc, doc, r = robot.json("search", "--category", "gesture")
check([p["id"] for p in doc["packages"]] == ["com.example.future", "com.example.wave"],
      f"search --category finds the packages of that category for this robot: {doc}")
rc, doc, r = robot.json("search", "example.dog", "--category", "gesture", "--robot", "go2")
check(rc == 0 and [p["id"] for p in doc["packages"]] == ["com.example.dog"],
      f"text, category and robot together: {doc}")
rc, doc, r = robot.json("search", "example.dog", "--category", "dance", "--robot", "go2")
check(rc == 0 and doc["packages"] == [], f"text, category and robot all apply: {doc}")
rc, doc, r = robot.json("info", "com.example.wave")
check(rc == 0 and doc["versions"][0]["version"] == "1.0.0" and doc["names"]["en"] == "Test wave",
      "info shows versions and names")
r = robot.mstore("info", "com.example.nothing")
check(r.returncode == 3, f"info of an unknown id exits 3: {r.returncode}")

r = robot.mstore("install", "com.example.wave")
check(r.returncode == 0, f"install: {r.stderr}")
check(robot.installed() == {"com.example.wave": "1.0.0"}, "list shows the installed version")
pkgdir = os.path.join(robot.state, "packages", "com.example.wave")
check(os.readlink(os.path.join(pkgdir, "current")) == "1.0.0", "current points at 1.0.0")
check(os.path.isfile(os.path.join(pkgdir, "1.0.0", "motions", "main.mpkt")), "files extracted")
cached = os.path.join(robot.root, "var", "cache", "motionstore", "packages",
                      "com.example.wave-1.0.0.mpk")
check(os.path.isfile(cached), "the verified download is cached")
r = robot.mstore("verify")
check(r.returncode == 0 and "ok" in r.stdout, f"verify passes: {r.stdout}{r.stderr}")

n_before = len(srv.requests(".mpk"))
r = robot.mstore("install", "com.example.wave")
check(r.returncode == 0 and len(srv.requests(".mpk")) == n_before,
      "installing the current version again downloads nothing")

r = robot.mstore("install", "com.example.dog")
check(r.returncode == 7, f"a package for another robot is refused with exit 7: {r.returncode} {r.stderr}")
r = robot.mstore("install", "com.example.future")
check(r.returncode == 7 and "runtime" in r.stderr,
      f"a package for a newer runtime is refused with exit 7: {r.stderr}")
r = robot.mstore("install", "com.example.wave@3.0.0")
check(r.returncode == 3, f"an unknown version exits 3: {r.returncode}")

# Upgrade, rollback, install of a given version.
repo.add(wave2)
repo.publish()
rc, doc, r = robot.json("upgrade")
check(rc == 0 and doc["upgraded"] == 1, f"upgrade installs 1.1.0: {r.stdout}{r.stderr}")
rc, doc, r = robot.json("list")
e = doc["installed"][0]
check(e["version"] == "1.1.0" and e["previous"] == "1.0.0", "previous version kept for rollback")
check(not os.path.exists(os.path.join(robot.root, "var", "cache", "motionstore", "packages",
                                      "com.example.wave-0.9.0.mpk")), "cache holds no stale file")
rc, doc, r = robot.json("upgrade")
check(rc == 0 and doc["upgraded"] == 0, "a second upgrade finds nothing")
r = robot.mstore("rollback", "com.example.wave")
check(r.returncode == 0 and robot.installed()["com.example.wave"] == "1.0.0", "rollback to 1.0.0")
check(robot.mstore("verify").returncode == 0, "verify after rollback")
r = robot.mstore("install", "com.example.wave@1.1.0")
check(r.returncode == 0 and robot.installed()["com.example.wave"] == "1.1.0", "install ID@VERSION")

# A different developer key: refused, unless the store's catalog allows it.
other_key = os.path.join(base, "other.pem")
from mstore_testlib import testrepo  # noqa: E402
testrepo("genkey", other_key)
wave3 = repo.make_package("com.example.wave", "1.2.0", key=other_key)
repo.add(wave3)
repo.publish()
r = robot.mstore("upgrade", "com.example.wave")
check(r.returncode == 4 and "developer key" in r.stderr,
      f"a new developer key is refused (exit 4): {r.returncode} {r.stderr}")
check(robot.installed()["com.example.wave"] == "1.1.0", "still 1.1.0 after the refusal")
repo.publish("--previous-key-ids", "com.example.wave=" + package_key_id(wave1))
r = robot.mstore("upgrade", "com.example.wave")
check(r.returncode == 0 and robot.installed()["com.example.wave"] == "1.2.0",
      f"the key change is accepted when the store lists the old key: {r.stderr}")

# The lock: a second installer waits or gives up with exit 6.
lockf = open(os.path.join(robot.state, "lock"), "a+")
fcntl.flock(lockf, fcntl.LOCK_EX)
r = robot.mstore("remove", "com.example.wave")
check(r.returncode == 6 and "another installer" in r.stderr, f"locked: exit 6: {r.stderr}")
fcntl.flock(lockf, fcntl.LOCK_UN)
lockf.close()

# Tampering shows in verify.
track = os.path.join(pkgdir, "1.2.0", "motions", "main.mpkt")
with open(track, "r+b") as f:
    f.seek(40)
    b = f.read(1)
    f.seek(40)
    f.write(bytes([b[0] ^ 1]))
rc, doc, r = robot.json("verify")
check(rc == 4 and not doc["ok"] and "main.mpkt" in doc["packages"][0]["message"],
      f"verify finds a changed file: {r.stdout}")
os.unlink(track)
with open(os.path.join(pkgdir, "1.2.0", "extra.bin"), "w") as f:
    f.write("x")
r = robot.mstore("verify", "com.example.wave")
check(r.returncode != 0, "verify finds a missing file")
r = robot.mstore("install", "com.example.wave@1.1.0")
check(r.returncode == 4, f"going back to the old developer key is refused too: {r.stderr}")
r = robot.mstore("rollback", "com.example.wave")
check(r.returncode == 0 and robot.installed()["com.example.wave"] == "1.1.0",
      f"rollback away from a damaged version: {r.stderr}")
r = robot.mstore("rollback", "com.example.wave")
check(r.returncode != 0 and robot.installed()["com.example.wave"] == "1.1.0",
      f"no rollback onto a damaged version: {r.stderr}")
check(robot.mstore("remove", "com.example.wave").returncode == 0, "remove the damaged package")
r = robot.mstore("install", "com.example.wave@1.1.0")
check(r.returncode == 0, f"install again after removal: {r.stderr}")

# Leftovers of an interrupted run are cleaned at the next start.
os.makedirs(os.path.join(pkgdir, ".staging-deadbeef0000", "motions"))
os.makedirs(os.path.join(pkgdir, "0.0.1"))
pkgdir_version = "1.1.0"
open(os.path.join(robot.state, "installed.json.tmp.ABCDEF"), "w").close()
r = robot.mstore("verify")
check(r.returncode == 0 and not os.path.exists(os.path.join(pkgdir, ".staging-deadbeef0000"))
      and not os.path.exists(os.path.join(pkgdir, "0.0.1"))
      and not os.path.exists(os.path.join(robot.state, "installed.json.tmp.ABCDEF")),
      f"leftovers removed: {r.stdout}{r.stderr}")

r = robot.mstore("remove", "com.example.wave")
check(r.returncode == 0 and robot.installed() == {} and not os.path.exists(pkgdir),
      "remove deletes every version")
r = robot.mstore("remove", "com.example.wave")
check(r.returncode == 3, "removing what is not installed exits 3")
r = robot.mstore("bogus")
check(r.returncode == 2, "unknown command exits 2")
r = robot.mstore("--help")
check(r.returncode == 0 and "exit codes" in r.stdout, "--help documents exit codes")

# MSTORE_ROOT works like --root.
import subprocess  # noqa: E402
from mstore_testlib import MSTORE  # noqa: E402
env = dict(os.environ, MSTORE_ROOT=robot.root)
r = subprocess.run([MSTORE, "--json", "list"], capture_output=True, text=True, env=env)
check(r.returncode == 0 and '"installed": []' in r.stdout, "MSTORE_ROOT selects the root")

srv.stop()
finish()
