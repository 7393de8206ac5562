"""Sideloading: a robot without a store URL installs a package handed over with the store's
signed metadata (`mstore install FILE.mpk --metadata DIR`), verified from its own trusted root
exactly like a download. A changed package, metadata signed by another key, a package the
metadata does not list, or metadata from another store are refused with nothing installed."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
from mstore_testlib import Repo, Robot, check, finish, workdir  # noqa: E402

base = workdir("mstore-sideload")
repo = Repo(base)
v1 = repo.make_package("com.example.wave", "1.0.0")
v2 = repo.make_package("com.example.wave", "1.1.0")
unlisted = repo.make_package("com.example.other", "1.0.0")
repo.add(v1)
repo.add(v2)
repo.publish()
robot = Robot(base, repo.root_json())  # no "store": an offline robot


def handover(name, flat=False):
    """What the phone hands over: the repository's metadata and the catalog target."""
    d = os.path.join(base, name)
    shutil.rmtree(d, ignore_errors=True)
    if flat:
        os.makedirs(d)
        for f in os.listdir(os.path.join(repo.dir, "metadata")):
            shutil.copy(os.path.join(repo.dir, "metadata", f), d)
        shutil.copy(repo.target_file("catalog.json"), os.path.join(d, "catalog.json"))
    else:
        shutil.copytree(os.path.join(repo.dir, "metadata"), os.path.join(d, "metadata"))
        os.makedirs(os.path.join(d, "targets"))
        cat = repo.target_file("catalog.json")
        shutil.copy(cat, os.path.join(d, "targets", os.path.basename(cat)))
    return d


r = robot.mstore("update")
check(r.returncode == 3 and "store" in r.stderr, f"an offline robot has no store to update from: {r.stderr}")

meta = handover("meta")
r = robot.mstore("install", v1, "--metadata", meta)
check(r.returncode == 0 and robot.installed() == {"com.example.wave": "1.0.0"},
      f"sideload with the repository layout: {r.stderr}")
check(robot.mstore("verify").returncode == 0, "verify after sideloading")

flat = handover("flat", flat=True)
r = robot.mstore("install", v2, "--metadata", flat)
check(r.returncode == 0 and robot.installed() == {"com.example.wave": "1.1.0"},
      f"sideload from a flat folder with catalog.json: {r.stderr}")
before = robot.state_digest()

# A changed package file.
bad = os.path.join(base, "changed.mpk")
data = bytearray(open(v1, "rb").read())
data[200] ^= 0xFF
open(bad, "wb").write(bytes(data))
r = robot.mstore("install", bad, "--metadata", meta)
check(r.returncode == 4 and "matches no package" in r.stderr, f"a changed package is refused: {r.returncode} {r.stderr.strip()}")
check(robot.state_digest() == before, "changed package: installation unchanged")

# A package the signed metadata does not list.
r = robot.mstore("install", unlisted, "--metadata", meta)
check(r.returncode == 4 and "matches no package" in r.stderr,
      f"an unlisted package is refused: {r.stderr.strip()}")
check(robot.state_digest() == before, "unlisted package: installation unchanged")

# Metadata from another store (its own root and keys).
other = Repo(os.path.join(base, "other-store"))
other.add(v1)
other.publish()
od = os.path.join(base, "other-meta")
shutil.copytree(os.path.join(other.dir, "metadata"), os.path.join(od, "metadata"))
r = robot.mstore("install", v1, "--metadata", od)
check(r.returncode == 4, f"metadata of another store is refused: {r.returncode} {r.stderr.strip()}")
check(robot.state_digest() == before, "other store: installation unchanged")

# Catalog changed in the handed-over folder. A robot that has no signed catalog yet refuses
# it; a robot that has one keeps it (search reads the cache without checking it again).
import hashlib  # noqa: E402
tampered = handover("tampered", flat=True)
with open(os.path.join(tampered, "catalog.json"), "a") as f:
    f.write(" ")
fresh = Robot(os.path.join(base, "fresh"), repo.root_json())
r = fresh.mstore("install", v1, "--metadata", tampered)
check(r.returncode != 0 and fresh.installed() == {},
      f"a changed catalog is refused: {r.returncode} {r.stderr.strip()}")
cached_catalog = os.path.join(robot.root, "var", "cache", "motionstore", "catalog.json")
cached_before = hashlib.sha256(open(cached_catalog, "rb").read()).hexdigest()
r = robot.mstore("install", unlisted, "--metadata", tampered)
check(r.returncode == 4 and robot.state_digest() == before,
      f"changed catalog: nothing installed: {r.stderr.strip()}")
check(hashlib.sha256(open(cached_catalog, "rb").read()).hexdigest() == cached_before,
      "changed catalog: the cached catalog is still the signed one")
rc, doc, r = robot.json("search", "--all-robots")
check(rc == 0 and len(doc["packages"]) == 1, f"search still reads the signed catalog: {r.stdout}")

r = robot.mstore("install", v1)
check(r.returncode == 2, "a package file without --metadata is a usage error")
finish()
