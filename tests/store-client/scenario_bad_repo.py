"""Malicious or broken store repositories: expired, rolled back, unsigned or wrongly signed
metadata, a package whose bytes do not match the signed hash, a catalog that names another
developer key. Each must fail with a clear error (exit 4), install nothing and change nothing."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
from mstore_testlib import (Repo, Robot, Server, check, finish, testrepo,  # noqa: E402
                            workdir)

base = workdir("mstore-badrepo")
repo = Repo(base)
v1 = repo.make_package("com.example.wave", "1.0.0")
v2 = repo.make_package("com.example.wave", "2.0.0")
repo.add(v1)
repo.publish()
srv = Server(repo.dir)
robot = Robot(base, repo.root_json(), store=srv.url)
check(robot.mstore("install", "com.example.wave").returncode == 0, "install 1.0.0")
repo.add(v2)
repo.publish()
before = robot.state_digest()


def attempt(name, codes=(4,)):
    r = robot.mstore("upgrade", "com.example.wave")
    check(r.returncode in codes and r.stderr.strip(),
          f"{name}: exit {r.returncode}: {r.stderr.strip()}")
    check(robot.state_digest() == before, f"{name}: installation unchanged")
    check(robot.installed() == {"com.example.wave": "1.0.0"}, f"{name}: still 1.0.0")


def fix():
    """The store publishes good metadata again, with newer versions (as a real store would:
    a client that saw a version never accepts an older one)."""
    repo.publish()


# Expired metadata.
repo.publish("--expires", "-3600")
attempt("expired timestamp, snapshot and targets")
fix()

# Unsigned and wrongly signed roles.
for role in ("timestamp", "snapshot", "targets"):
    repo.publish("--unsigned", role)
    attempt(f"unsigned {role}")
    fix()
    repo.publish("--wrong-key", role)
    attempt(f"{role} signed by an untrusted key")
    fix()

# Hash mismatch: the package bytes differ from what the signed targets list.
target = repo.target_file("packages/com.example.wave/com.example.wave-2.0.0.mpk")
with open(target, "rb") as f:
    good_bytes = f.read()
with open(target, "r+b") as f:
    f.seek(100)
    f.write(bytes([good_bytes[100] ^ 0xFF]))
attempt("package bytes differ from the signed hash")
with open(target, "wb") as f:
    f.write(good_bytes)

# A catalog entry naming a different developer key than the one that signed the package.
other = os.path.join(base, "other.pem")
testrepo("genkey", other)
fake = repo.make_package("com.example.wave", "3.0.0", key=other)
from mstore_testlib import package_key_id  # noqa: E402
repo.add(fake, key_id=package_key_id(v1))
repo.publish()
r = robot.mstore("install", "com.example.wave@3.0.0")
check(r.returncode == 4 and "signed by developer key" in r.stderr,
      f"a package signed by another key than the catalog names: {r.stderr.strip()}")
check(robot.state_digest() == before, "other key: installation unchanged")

# Rollback attack: the server goes back to older metadata after the robot saw newer.
check(robot.mstore("update").returncode == 0, "update to the current metadata")
older = os.path.join(base, "older-repo")
shutil.copytree(repo.dir, older)
repo.publish()
check(robot.mstore("update").returncode == 0, "update to newer metadata")
newer = os.path.join(base, "newer-repo")
shutil.copytree(repo.dir, newer)
shutil.rmtree(repo.dir)
shutil.copytree(older, repo.dir)
attempt("timestamp rolled back to an older version")
shutil.rmtree(repo.dir)
shutil.copytree(newer, repo.dir)
# Snapshot and targets rolled back under a newer timestamp.
repo.publish("--version-of", "snapshot=1", "--version-of", "targets=1")
attempt("snapshot and targets versions rolled back")
repo.publish()
r = robot.mstore("upgrade", "com.example.wave")
check(r.returncode == 4, "the 3.0.0 signed by another key is still refused by upgrade")
r = robot.mstore("install", "com.example.wave@2.0.0")
check(r.returncode == 0 and robot.installed() == {"com.example.wave": "2.0.0"},
      f"once the store is sound again, the next run installs: {r.stderr}")

srv.stop()
finish()
