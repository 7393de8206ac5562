#!/usr/bin/env python3
"""Benchmarks of the cloud store (mstore-server). Prints figures; asserts nothing about speed.

  publish latency   10,000 packages already published: the time from the start of an upload to
                    the answer "published" (intake, checks, new catalog, targets, snapshot and
                    timestamp signed and written), and a full republish (`mstore-server publish`)
  static GET        wrk against mstore-server and against nginx (shipped configuration) serving
                    the same repository: timestamp.json and a 1 MiB package
  upload throughput 1 MiB packages from 4 concurrent `mpk upload` clients, review queue (intake
                    only) and direct publish

Options (environment): MS_BENCH_PACKAGES (10000), MS_BENCH_WRK_SECONDS (5).
Run with `cmake --build BUILD --target bench_server_run` (or bench/bench_server.py with
MS_BIN_DIR, MS_SOURCE_DIR and MS_TEST_TMP set).
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "tools", "store_server"))
from storetest import Nginx, Store, prog, run  # noqa: E402

PACKAGES = int(os.environ.get("MS_BENCH_PACKAGES", "10000"))
WRK_SECONDS = int(os.environ.get("MS_BENCH_WRK_SECONDS", "5"))


def seed(store, dev, count):
    """Publishes count package versions straight into the database (one real package file
    behind all of them), then lets `mstore-server publish` write the repository."""
    template = store.mkpkg(dev, "com.bench.template", "1.0.0")
    rc, answer, _ = store.upload(template, dev.token, check=0)
    db = store.db()
    row = db.execute("SELECT developer_id, size, sha256, key_id, entry, created, "
                     "catalog_version, catalog_package FROM uploads WHERE id = ?",
                     (answer["upload"],)).fetchone()
    dev_id, size, sha, key_id, entry_text, created, vtext, ptext = row
    entry = json.loads(entry_text)
    rows = []
    for i in range(count - 1):
        pid = f"com.bench.p{i:05d}"
        entry["id"] = pid
        rows.append((dev_id, pid, "1.0.0", size, sha, key_id, "published",
                     json.dumps(entry, sort_keys=True, separators=(",", ":")), created, created,
                     created, vtext.replace("com.bench.template", pid),
                     ptext.replace("com.bench.template", pid)))
    db.executemany("INSERT INTO uploads (developer_id, package_id, version, size, sha256, key_id,"
                   " state, entry, created, updated, published, catalog_version, catalog_package)"
                   " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.execute("UPDATE repo SET generation = generation + 1")
    db.commit()
    db.close()


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def wrk(url, seconds, conns=32):
    _, out, _ = run(["wrk", "-t", "1", "-c", str(conns), "-d", f"{seconds}s", url],
                    timeout=seconds + 60)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    tr = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", out)
    scale = {"B": 1 / 2**20, "KB": 1 / 1024, "MB": 1, "GB": 1024}[tr.group(2)]
    lat = re.search(r"Latency\s+([\d.]+\w+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, float(tr.group(1)) * scale, lat, int(errors.group(1)) if errors else 0


def upload_throughput(review, count=40, clients=4, size=1 << 20):
    store = Store(f"bench_upload_{'review' if review else 'direct'}", review=review,
                  config={"max_upload": 64 << 20})
    try:
        dev = store.add_developer("bench", ["com.bench.*"])
        store.serve()
        paths = [store.mkpkg(dev, f"com.bench.u{i}", "1.0.0", "--pad", str(size))
                 for i in range(count)]
        total = sum(os.path.getsize(p) for p in paths)
        failures = []

        def worker(k):
            for i in range(k, count, clients):
                rc, answer, err = store.upload(paths[i], dev.token)
                if rc != 0:
                    failures.append(err)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
        elapsed, _ = timed(lambda: ([t.start() for t in threads], [t.join() for t in threads]))
        if failures:
            raise SystemExit(f"upload failures: {failures[:3]}")
        return count / elapsed, total / elapsed / 2**20
    finally:
        store.cleanup()


def main():
    print(f"bench_server: {PACKAGES} packages, wrk {WRK_SECONDS} s, on {os.cpu_count()} cores")
    store = Store("bench_publish")
    nginx = None
    try:
        dev = store.add_developer("bench", ["com.bench.*"])
        store.serve()
        seed_time, _ = timed(lambda: seed(store, dev, PACKAGES))
        store.stop()
        first, _ = timed(lambda: store.cli("publish"))
        again, _ = timed(lambda: store.cli("publish"))
        st = store.status()
        targets_file = os.path.join(store.dir, "repository", "metadata",
                                    f"{st['targets']['version']}.targets.json")
        catalog = [f for f in os.listdir(os.path.join(store.dir, "repository", "targets"))
                   if f.endswith("catalog.json")]
        cat_size = max(os.path.getsize(os.path.join(store.dir, "repository", "targets", f))
                       for f in catalog)
        print(f"catalog: {st['target_count'] - 1} package targets; targets.json "
              f"{os.path.getsize(targets_file) / 2**20:.2f} MiB, catalog.json "
              f"{cat_size / 2**20:.2f} MiB (seeding the database took {seed_time:.1f} s)")
        print(f"full publish (mstore-server publish, whole process): first {first * 1000:.0f} ms "
              f"(links {PACKAGES} target files), again {again * 1000:.0f} ms")

        store.serve()
        lat = []
        for i in range(15):
            pkg = store.mkpkg(dev, "com.bench.latency", f"1.{i}.0")
            t, (rc, answer, _) = timed(lambda: store.upload(pkg, dev.token))
            if rc != 0 or answer["status"] != "published":
                raise SystemExit(f"upload failed: {answer}")
            lat.append(t)
        lat.sort()
        print(f"publish latency with {PACKAGES} packages (mpk upload -> published, 15 runs): "
              f"median {statistics.median(lat) * 1000:.0f} ms, min {lat[0] * 1000:.0f} ms, "
              f"max {lat[-1] * 1000:.0f} ms")
        check = store.client()
        print(f"  (a robot's refresh of that repository verifies: {check['target_count']} "
              f"targets, targets version {check['targets']})")

        big = store.mkpkg(dev, "com.bench.big", "1.0.0", "--pad", str(1 << 20))
        store.stop()
        with open(os.path.join(store.dir, "server.json")) as f:
            cfg = json.load(f)
        cfg["max_upload"] = 64 << 20
        with open(os.path.join(store.dir, "server.json"), "w") as f:
            json.dump(cfg, f)
        store.serve()
        store.upload(big, dev.token, check=0)
        bigdir = os.path.join(store.dir, "repository", "targets", "packages", "com.bench.big")
        bigname = os.listdir(bigdir)[0]
        nginx = Nginx(store, workers=1)
        if not shutil.which("wrk"):
            print("wrk: not installed, static GET skipped")
        else:
            for label, path in (("timestamp.json", "/metadata/timestamp.json"),
                                ("1 MiB package", f"/targets/packages/com.bench.big/{bigname}")):
                for server, base in (("mstore-server", store.url), ("nginx", nginx.url)):
                    rps, mib, latency, errors = wrk(base + path, WRK_SECONDS)
                    print(f"static GET {label:15s} {server:13s}: {rps:9.0f} requests/s "
                          f"{mib:8.1f} MiB/s  latency {latency}  (32 connections"
                          f"{', %d errors' % errors if errors else ''})")
    finally:
        if nginx:
            nginx.stop()
        store.cleanup()

    for review in (True, False):
        ups, mibs = upload_throughput(review)
        print(f"upload throughput, 1 MiB packages, 4 clients, "
              f"{'review queue (intake only)' if review else 'direct publish'}: "
              f"{ups:.1f} uploads/s, {mibs:.1f} MiB/s")


if __name__ == "__main__":
    main()
