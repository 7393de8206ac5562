"""A published metadata name never changes content, even one an interrupted publish or rotation
left behind.

`N.targets.json` and `N.snapshot.json` are served as immutable (caches keep them forever) and
exist before the timestamp that names them; `N.root.json` is published the moment it exists
(robots ask for the next number without any timestamp). Each interruption is made for real:
strace kills `mstore-server` at the rename that would write timestamp.json (publish) or root.json
(key rotation). Then:
- the next publish goes past the leftover targets and snapshot versions, which keep their bytes,
  and the repository verifies;
- a new rotation is refused, naming the leftover root and how to finish the interrupted
  rotation; finished that way, a robot follows it.
"""
import json
import os
import re
import shutil
import subprocess
import time

from storetest import Store, check, main, prog


def kill_at_rename_to(store, rel, args):
    """Runs `mstore-server --dir STORE args` killed (SIGKILL, by strace's fault injection) at the
    rename onto STORE/rel. Which rename that is, is counted on a copy of the store first: the same
    command does the same renames in the same order (but for a publish's catalog, whose name
    depends on the second it is made in: see interrupted_publish)."""
    calls = "rename,renameat,renameat2"
    # LeakSanitizer cannot work under ptrace; the other sanitizers do.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
    scratch = os.path.join(store.base, "count")
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(store.dir, scratch, symlinks=True)
    log = os.path.join(store.base, "count.strace")
    p = subprocess.run(["strace", "-f", "-qq", "-o", log, "-e", f"trace={calls}",
                        prog("mstore-server"), "--dir", scratch, *args], capture_output=True,
                       text=True, timeout=120, env=env)
    check(p.returncode == 0, f"counting run of {args}: exit {p.returncode}: {p.stderr}")
    seen = {}
    with open(log) as f:
        for line in f:
            m = re.search(r"(renameat2|renameat|rename)\((.*)\) += 0", line)
            if not m:
                continue
            name = m.group(1)
            seen[name] = seen.get(name, 0) + 1
            if m.group(2).split(", ")[-1 if name == "rename" else 3].strip('"').endswith(
                    "/" + rel):
                break
        else:
            raise AssertionError(f"no rename onto {rel} in {log}")
    shutil.rmtree(scratch)
    p = subprocess.run(["strace", "-f", "-qq", "-o", "/dev/null", "-e", f"trace={name}", "-e",
                        f"inject={name}:signal=KILL:when={seen[name]}", prog("mstore-server"),
                        "--dir", store.dir, *args], capture_output=True, text=True, timeout=120,
                       env=env)
    return p.returncode


def interrupted_publish(store, md):
    """A publish killed at its rename onto timestamp.json, after it wrote the next targets and
    snapshot versions. A publish writes a new catalog file unless one of the same second exists,
    so the counting run and the real one can differ by that rename when a second passes between
    them: then the kill lands elsewhere (or never), which is seen, and it is tried again at the
    start of a second. Returns the names left behind."""
    for _ in range(5):
        time.sleep(1 - time.time() % 1)
        ts = signed(os.path.join(md, "timestamp.json"))
        snap_v = ts["meta"]["snapshot.json"]["version"]
        targ_v = signed(os.path.join(md, f"{snap_v}.snapshot.json"))["meta"]["targets.json"][
            "version"]
        rc = kill_at_rename_to(store, "repository/metadata/timestamp.json", ["publish"])
        left = (os.path.join(md, f"{targ_v + 1}.targets.json"),
                os.path.join(md, f"{snap_v + 1}.snapshot.json"))
        if (rc != 0 and signed(os.path.join(md, "timestamp.json")) == ts and
                all(os.path.exists(p) for p in left)):
            return ts, snap_v, targ_v, left
        print(f"the kill missed the timestamp's rename (exit {rc}): again", flush=True)
    raise AssertionError("could not kill a publish at its rename onto timestamp.json")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def signed(path):
    return json.loads(read(path))["signed"]


def scenario():
    if not shutil.which("strace"):
        print("strace is not installed: skipped")
        raise SystemExit(77)
    store = Store("store_republish")
    md = os.path.join(store.dir, "repository", "metadata")
    try:
        alice = store.add_developer("alice", ["com.alice.*"])
        store.serve()
        robot = os.path.join(store.base, "robot")
        store.upload(store.mkpkg(alice, "com.alice.wave", "1.0.0"), alice.token, check=0)
        view = store.client(robot, download=True)
        store.stop()  # the admin commands below are the only writers

        # 1. A publish killed as it writes timestamp.json: targets and snapshot are written,
        # timestamp.json is unchanged.
        ts, snap_v, targ_v, (left_t, left_s) = interrupted_publish(store, md)
        bytes_t, bytes_s = read(left_t), read(left_s)

        # The next publish must not write other bytes under those names. (A second later, so
        # that its expiry times, in seconds, differ: signed the same second, a rewrite could
        # come out byte-identical and go unnoticed.)
        time.sleep(1.1)
        store.cli("publish")
        check(read(left_t) == bytes_t, f"{os.path.basename(left_t)} keeps its bytes")
        check(read(left_s) == bytes_s, f"{os.path.basename(left_s)} keeps its bytes")
        ts2 = signed(os.path.join(md, "timestamp.json"))
        snap_v2 = ts2["meta"]["snapshot.json"]["version"]
        targ_v2 = signed(os.path.join(md, f"{snap_v2}.snapshot.json"))["meta"]["targets.json"][
            "version"]
        check(snap_v2 > snap_v + 1 and targ_v2 > targ_v + 1,
              f"the publish went past them: snapshot {snap_v} -> {snap_v2}, "
              f"targets {targ_v} -> {targ_v2}")
        store.serve()
        view = store.client(robot, download=True)
        check(view["verified"] == 1 and view["packages"]["com.alice.wave"] == ["1.0.0"],
              f"the robot that kept its state verifies the repository: {view}")
        check(store.client(download=True)["verified"] == 1, "and so does a new robot")
        store.stop()

        # 2. A key rotation killed as it writes root.json: N.root.json is out.
        root_v = signed(os.path.join(md, "root.json"))["version"]
        keys = store.root_keys[:2]
        rotate = ["key", "rotate", "timestamp", "--root-key", keys[0], "--root-key", keys[1]]
        rc = kill_at_rename_to(store, "repository/metadata/root.json", rotate)
        check(rc != 0, f"the rotation was killed ({rc})")
        pending = os.path.join(md, f"{root_v + 1}.root.json")
        check(os.path.exists(pending) and signed(os.path.join(md, "root.json"))["version"] ==
              root_v, "the killed rotation left the next root, root.json unchanged")
        bytes_r = read(pending)
        rc, out, err = store.cli(*rotate, check=False)
        check(rc == 1 and os.path.basename(pending) in err and "interrupted rotation" in err,
              f"a new rotation is refused, naming the leftover root: {err.strip()}")
        check(read(pending) == bytes_r, f"{os.path.basename(pending)} keeps its bytes")
        # Finishing it as the message says: robots follow to that root, signed with its key.
        shutil.copy(pending, os.path.join(md, "root.json"))
        store.cli("refresh", "--force")
        store.serve()
        view = store.client(robot, download=True)
        check(view["root"] == root_v + 1 and view["verified"] == 1,
              f"the robot follows the finished rotation: {view}")
        check(store.client()["root"] == root_v + 1, "and so does a new robot")
        check(not os.path.exists(os.path.join(store.dir, "keys", "timestamp.next.json")),
              "the rotated key has replaced the old one")
        store.cli(*rotate)
        check(store.client(robot)["root"] == root_v + 2, "the next rotation works")
    finally:
        store.cleanup()


main(scenario)
