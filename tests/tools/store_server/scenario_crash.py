"""Killing the store at random points while it publishes: the repository always verifies (a
robot sees the old state or the new one, never a mixture), an upload the server acknowledged as
published is never lost, and the next start repairs the rest (temporary files, incoming bodies,
approved uploads not yet published).

Two kill loops, MS_CRASH_TRIALS times each (default 25): SIGKILL of `mstore-server serve` at a
random moment of an upload and its publish, and SIGKILL of `mstore-server publish` at a random
moment of a republish of the whole catalog. A catalog of 150 packages makes a publish long enough
for the kills to land inside it.
"""
import os
import random
import signal
import subprocess
import threading
import time

from storetest import Nginx, Store, check, main, prog

TRIALS = int(os.environ.get("MS_CRASH_TRIALS", "25"))
SEED_PACKAGES = 150


def seed(store, dev):
    paths = [store.mkpkg(dev, f"com.crash.seed{i}", "1.0.0") for i in range(SEED_PACKAGES)]
    results = [None] * len(paths)

    def worker(offset):
        for k in range(offset, len(paths), 8):
            results[k] = store.upload(paths[k], dev.token)

    threads = [threading.Thread(target=worker, args=(o,)) for o in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(all(r[0] == 0 for r in results), "seed uploads published")


def verify(store, robot, what, url):
    """A robot that keeps its state and a fresh one both verify the repository, read through
    nginx (the server itself is dead at this point)."""
    view = store.client(robot, check=False, url=url)
    check(view is not None, f"{what}: the robot's refresh failed")
    fresh = store.client(check=False, url=url)
    check(fresh is not None, f"{what}: a new robot's refresh failed")
    return view


class Reader(threading.Thread):
    """A robot refreshing in a loop while the store publishes and dies: every refresh must pass."""

    def __init__(self, store, url):
        super().__init__()
        self.store, self.url = store, url
        self.dir = os.path.join(store.base, "reader")
        self.done = threading.Event()
        self.ok = 0
        self.failures = []

    def run(self):
        while not self.done.is_set():
            if self.store.client(self.dir, check=False, url=self.url) is None:
                self.failures.append(time.time())
            else:
                self.ok += 1


def scenario():
    rng = random.Random(int(os.environ.get("MS_CRASH_SEED", "1")))
    store = Store("store_crash")
    nginx = None
    try:
        dev = store.add_developer("crash", ["com.crash.*"])
        store.serve()
        seed(store, dev)
        robot = os.path.join(store.base, "robot")
        nginx = Nginx(store)
        url = nginx.url
        verify(store, robot, "after seeding", url)
        reader = Reader(store, url)
        reader.start()
        # How long an upload with its publish takes here: the kill window.
        start = time.time()
        store.upload(store.mkpkg(dev, "com.crash.timing", "1.0.0"), dev.token, check=0)
        window = max(0.02, (time.time() - start) * 1.5)
        acknowledged = []
        minor = 0

        for trial in range(TRIALS):
            if store.proc is None:
                store.serve()
            db = store.db()
            gen, synced = db.execute("SELECT generation, synced FROM repo").fetchone()
            db.close()
            check(gen == synced, f"trial {trial}: started but not repaired ({gen} != {synced})")
            minor += 1
            version = f"1.{minor}.0"
            pkg = store.mkpkg(dev, "com.crash.live", version)
            outcome = {}
            t = threading.Thread(target=lambda: outcome.update(r=store.upload(pkg, dev.token)))
            t.start()
            time.sleep(rng.uniform(0, window))
            store.proc.send_signal(signal.SIGKILL)
            store.proc.wait()
            store.proc = None
            t.join()
            rc, answer, _ = outcome["r"]
            view = verify(store, robot, f"trial {trial} (kill after upload start)", url)
            published = rc == 0 and answer and answer.get("status") == "published"
            if published:
                acknowledged.append(version)
                check(version in view["packages"].get("com.crash.live", []),
                      f"trial {trial}: acknowledged {version} is not in the repository")

        # Kill the admin `publish` command at random points of a full republish.
        store.serve()
        store.stop()
        for trial in range(TRIALS):
            db = store.db()
            db.execute("UPDATE repo SET generation = generation + 1")
            db.commit()
            db.close()
            p = subprocess.Popen([prog("mstore-server"), "--dir", store.dir, "publish"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0, window))
            p.send_signal(signal.SIGKILL)
            p.wait()
            verify(store, robot, f"publish trial {trial}", url)

        reader.done.set()
        reader.join()
        check(not reader.failures and reader.ok > 0,
              f"a robot refreshing meanwhile failed {len(reader.failures)} times "
              f"({reader.ok} passed)")

        # The next start repairs everything and publishes what was approved.
        store.serve()
        db = store.db()
        gen, synced = db.execute("SELECT generation, synced FROM repo").fetchone()
        states = dict(db.execute("SELECT state, count(*) FROM uploads GROUP BY state"))
        db.close()
        check(gen == synced, "repaired at start")
        check(states.get("approved", 0) == 0, f"nothing left unpublished: {states}")
        check(store.incoming_files() == [], "incoming/ cleaned at start")
        for root, _, files in os.walk(os.path.join(store.dir, "repository")):
            check(not [f for f in files if ".tmp." in f], f"temporary files left in {root}")
        view = store.client(robot, url=url)
        live = view["packages"].get("com.crash.live", [])
        check(all(v in live for v in acknowledged), f"acknowledged {acknowledged}, have {live}")
        check(len(view["packages"]) >= SEED_PACKAGES + 1, "the seeded catalog survived")
        print(f"{TRIALS} server kills and {TRIALS} publish kills; {len(acknowledged)} uploads "
              f"acknowledged before their kill, {len(live)} published in the end; kill window "
              f"{window * 1000:.0f} ms; {reader.ok} refreshes by a robot meanwhile, all verified")
    finally:
        if nginx:
            nginx.stop()
        store.cleanup()


main(scenario)
