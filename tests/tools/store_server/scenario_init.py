"""`mstore-server init`: what the new repository holds.

Root signed by 3 offline root keys with a threshold of 2, kept as private files outside the served
repository; one online key each for targets, snapshot and timestamp; every key
ecdsa-sha2-nistp256; consistent snapshots; expiry per role 365, 30, 7 and 1 days by default and
as configured (server.json expiry_days, applied at the next signing); and a client verifies it.
"""
import calendar
import json
import os
import stat
import time

from storetest import Store, check, main


def expires_in_days(signed):
    t = calendar.timegm(time.strptime(signed["expires"], "%Y-%m-%dT%H:%M:%SZ"))
    return (t - time.time()) / 86400


def metadata(store, role):
    meta = os.path.join(store.dir, "repository", "metadata")
    if role == "timestamp":
        name = "timestamp.json"
    else:
        versions = [int(n.split(".")[0]) for n in os.listdir(meta)
                    if n.endswith(f".{role}.json") and n.split(".")[0].isdigit()]
        name = f"{max(versions)}.{role}.json"
    with open(os.path.join(meta, name)) as f:
        return json.load(f)


def scenario():
    store = Store("store_init")
    try:
        root = metadata(store, "root")
        signed = root["signed"]
        check(signed["consistent_snapshot"] is True, "consistent snapshots")
        roles = signed["roles"]
        check(roles["root"]["threshold"] == 2 and len(roles["root"]["keyids"]) == 3,
              f"root: 2 of 3 keys: {roles['root']}")
        for role in ("targets", "snapshot", "timestamp"):
            check(roles[role]["threshold"] == 1 and len(roles[role]["keyids"]) == 1,
                  f"{role}: one online key: {roles[role]}")
        online = {k for r in ("targets", "snapshot", "timestamp") for k in roles[r]["keyids"]}
        check(len(online) == 3 and not online & set(roles["root"]["keyids"]),
              "four distinct roles' keys: online keys differ from each other and from root's")
        for kid, key in signed["keys"].items():
            check(key["keytype"] == "ecdsa" and key["scheme"] == "ecdsa-sha2-nistp256",
                  f"key {kid[:8]}: {key['keytype']}/{key['scheme']}")
        check({s["keyid"] for s in root["signatures"]} == set(roles["root"]["keyids"]),
              "the first root is signed by all three root keys")

        # Private keys: files only the operator reads, outside what is served.
        for path in store.root_keys + [os.path.join(store.dir, "keys", f"{r}.json")
                                       for r in ("targets", "snapshot", "timestamp")]:
            mode = stat.S_IMODE(os.stat(path).st_mode)
            check(mode & 0o077 == 0, f"{path}: mode {oct(mode)}, private")
        served = [os.path.join(d, f) for d, _, fs in os.walk(os.path.join(store.dir, "repository"))
                  for f in fs]
        check(not [p for p in served if "PRIVATE KEY" in open(p, errors="replace").read()],
              "no private key under repository/")

        want = {"root": 365, "targets": 30, "snapshot": 7, "timestamp": 1}
        for role, days in want.items():
            got = expires_in_days(metadata(store, role)["signed"])
            check(days - 0.01 < got <= days, f"{role} expires in {days} days: {got:.3f}")

        # Configured lifetimes apply at the next signing.
        cfg_path = os.path.join(store.dir, "server.json")
        with open(cfg_path) as f:
            cfg = json.load(f)
        cfg["expiry_days"] = {"root": 100, "targets": 10, "snapshot": 3, "timestamp": 2}
        with open(cfg_path, "w") as f:
            json.dump(cfg, f)
        store.cli("refresh", "--force")
        for role, days in (("targets", 10), ("snapshot", 3), ("timestamp", 2)):
            got = expires_in_days(metadata(store, role)["signed"])
            check(days - 0.01 < got <= days, f"configured: {role} expires in {days} days: {got:.3f}")

        store.serve()
        view = store.client()
        check(view["timestamp"] == view["snapshot"] == view["targets"] == 2,
              f"a client verifies the re-signed repository: {view}")
    finally:
        store.cleanup()


main(scenario)
