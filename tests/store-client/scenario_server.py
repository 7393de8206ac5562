"""mstore against the real cloud store: packages uploaded with `mpk upload` to mstore-server,
its repository served by mstore-server itself; the robot installs, upgrades, rolls back,
verifies and removes with `mstore`, and sideloads a package with the store's repository folder
as the handed-over metadata. Exits 77 (skipped) when mstore-server is not built."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools", "store_server"))
sys.path.insert(0, HERE)
BIN = os.environ.get("MS_BIN_DIR", "")
for p in ("mstore-server", "ms_store_mkpkg", "mpk"):
    if not os.path.exists(os.path.join(BIN, p)):
        print(f"{p} is not built: skipped")
        sys.exit(77)

from mstore_testlib import Robot, check, finish  # noqa: E402
from storetest import Store  # noqa: E402

store = Store("mstore_server")
try:
    alice = store.add_developer("alice", ["com.alice.*"])
    store.serve()
    store.upload(store.mkpkg(alice, "com.alice.wave", "1.0.0"), alice.token, check=0)
    robot = Robot(store.base, store.root, store=store.url)
    r = robot.mstore("install", "com.alice.wave")
    check(r.returncode == 0, f"install from mstore-server: {r.stderr}")
    store.upload(store.mkpkg(alice, "com.alice.wave", "1.1.0"), alice.token, check=0)
    rc, doc, r = robot.json("upgrade")
    check(rc == 0 and doc["upgraded"] == 1 and robot.installed() == {"com.alice.wave": "1.1.0"},
          f"upgrade to 1.1.0: {r.stderr}")
    check(robot.mstore("verify").returncode == 0, "verify after the upgrade")
    r = robot.mstore("rollback", "com.alice.wave")
    check(r.returncode == 0 and robot.installed() == {"com.alice.wave": "1.0.0"},
          f"rollback to 1.0.0: {r.stderr}")
    check(robot.mstore("verify").returncode == 0, "verify after the rollback")
    rc, doc, r = robot.json("info", "com.alice.wave")
    check(rc == 0 and doc["developer"] == "alice" and len(doc["versions"]) == 2,
          f"info reads the server's catalog: {r.stdout}")
    r = robot.mstore("remove", "com.alice.wave")
    check(r.returncode == 0 and robot.installed() == {}, f"remove: {r.stderr}")

    # Sideload: a second robot without network gets the package and the repository folder.
    pkg = store.mkpkg(alice, "com.alice.bow", "2.0.0")
    store.upload(pkg, alice.token, check=0)
    offline = Robot(os.path.join(store.base, "offline"), store.root)
    r = offline.mstore("install", pkg, "--metadata", os.path.join(store.dir, "repository"))
    check(r.returncode == 0 and offline.installed() == {"com.alice.bow": "2.0.0"},
          f"sideload with the store's repository folder: {r.stderr}")
    check(offline.mstore("verify").returncode == 0, "verify the sideloaded package")
finally:
    store.cleanup()
finish()
