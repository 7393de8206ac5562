"""Root and online key rotation, and the timestamp re-signed before it expires while serving.

A robot that trusts version 1 of root (and one that keeps its state throughout) follows every
rotation: root rotated to new offline keys (signed by 2 of the 3 old ones and by the new ones),
then the timestamp, snapshot and targets keys each replaced. A rotation with too few root keys
fails and changes nothing. With a short timestamp lifetime the running server re-signs it in time.
"""
import json
import os
import time

from storetest import Store, check, main


def key_id(path):
    with open(path) as f:
        return json.load(f)["keyid"]


def scenario():
    store = Store("store_rotation", config={"expiry_seconds": {"timestamp": 6},
                                            "refresh_interval": 1})
    try:
        alice = store.add_developer("alice", ["com.alice.*"])
        store.serve()
        robot = os.path.join(store.base, "robot")
        store.upload(store.mkpkg(alice, "com.alice.wave", "1.0.0"), alice.token, check=0)
        check(store.client(robot)["root"] == 1, "robot starts at root 1")

        # Root rotation to three new offline keys, threshold 2.
        new = [os.path.join(store.base, f"new-root-{i}.json") for i in (1, 2, 3)]
        store.cli("root", "keygen", *new)
        old = store.root_keys
        rc, out, err = store.cli("root", "rotate", "--old-key", old[0], "--new-key", new[0],
                                 "--new-key", new[1], "--new-key", new[2], check=False)
        check(rc == 1 and "not enough current root keys" in err, f"1 of 2 old keys: {err}")
        check(store.status()["root"]["version"] == 1, "a failed rotation writes nothing")
        store.cli("root", "rotate", "--old-key", old[0], "--old-key", old[2], "--new-key",
                  new[0], "--new-key", new[1], "--new-key", new[2], "--threshold", "2")
        view = store.client(robot, download=True)
        check(view["root"] == 2 and view["verified"] == 1, f"robot follows to root 2: {view}")
        check(store.client()["root"] == 2, "a new robot walks 1 -> 2")
        # The old keys no longer sign root.
        rc, out, err = store.cli("key", "rotate", "timestamp", "--root-key", old[0],
                                 "--root-key", old[1], check=False)
        check(rc == 1, f"old root keys cannot sign version 3: {err}")

        # Online keys, one after the other; the robot verifies after each.
        version = 2
        for role in ("timestamp", "snapshot", "targets"):
            before = key_id(os.path.join(store.dir, "keys", f"{role}.json"))
            store.cli("key", "rotate", role, "--root-key", new[1], "--root-key", new[2])
            version += 1
            after = key_id(os.path.join(store.dir, "keys", f"{role}.json"))
            check(after != before, f"{role}: a new key")
            check(not os.path.exists(os.path.join(store.dir, "keys", f"{role}.next.json")),
                  "rotation finished")
            with open(os.path.join(store.dir, "repository", "metadata", "root.json")) as f:
                root = json.load(f)["signed"]
            check(root["roles"][role]["keyids"] == [after] and root["version"] == version, root)
            view = store.client(robot, download=True)
            check(view["root"] == version and view["verified"] == 1, f"after {role}: {view}")
        store.upload(store.mkpkg(alice, "com.alice.wave", "1.1.0"), alice.token, check=0)
        view = store.client(robot, download=True)
        check(view["packages"]["com.alice.wave"] == ["1.0.0", "1.1.0"], view)
        check(store.client(download=True)["root"] == 5, "a new robot walks 1 -> 5")

        # Timestamp lifetime 6 s: the server re-signs it while serving (at half-life).
        path = os.path.join(store.dir, "repository", "metadata", "timestamp.json")
        seen = set()
        deadline = time.time() + 9
        while time.time() < deadline:
            with open(path) as f:
                signed = json.load(f)["signed"]
            expires = time.mktime(time.strptime(signed["expires"], "%Y-%m-%dT%H:%M:%SZ"))
            check(expires - time.mktime(time.gmtime()) > 0, f"timestamp expired: {signed}")
            seen.add(signed["version"])
            time.sleep(0.5)
        check(len(seen) >= 2, f"timestamp re-signed while serving: versions {sorted(seen)}")
        check(store.client(robot)["timestamp"] >= max(seen), "robot accepts the re-signed one")
        actions = [r[0] for r in store.db().execute("SELECT action FROM audit")]
        check("root.rotate" in actions and "key.rotate" in actions and "resign" in actions,
              actions)
    finally:
        store.cleanup()


main(scenario)
