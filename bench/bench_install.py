#!/usr/bin/env python3
"""Benchmarks of the robot's store client (mstore). Prints figures; asserts nothing about speed.

  update       `mstore update` on a fresh robot against stores of 10,000 and 100,000 catalog
               entries (targets metadata and catalog grow with them): wall time and peak memory
               (maximum resident set of the mstore process); then a second update with nothing new
               and a search over the whole catalog
  install      a 50 MB package from a loopback HTTP server: `mstore install` (download with
               hashing while the bytes arrive, signature check, extraction with per-file
               hashes, fsync, atomic switch) against the baseline
               `curl -o f URL && sha256sum f && bsdtar -xf f`; median of several runs, and the
               ratio (goal: at most 1.0)
  memory       peak memory of `mstore install` for packages of 5, 50 and 150 MB: it must not
               grow with the package

Options (environment): MS_BENCH_CATALOGS ("10000,100000"), MS_BENCH_RUNS (5),
MS_BENCH_PACKAGE_MB (50).
Run with `cmake --build BUILD --target bench_store_client_run`, or this script with MS_BIN_DIR
and MS_TEST_TMP set.
"""
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "store-client"))
from mstore_testlib import MSTORE, Repo, Robot, Server, workdir  # noqa: E402

CATALOGS = [int(x) for x in os.environ.get("MS_BENCH_CATALOGS", "10000,100000").split(",") if x]
RUNS = int(os.environ.get("MS_BENCH_RUNS", "5"))
TMPDIR = os.environ.get("MS_TEST_TMP", "/tmp")
PACKAGE_MB = int(os.environ.get("MS_BENCH_PACKAGE_MB", "50"))


def measure(args, **kw):
    """Runs a program under /usr/bin/time; returns (seconds, peak resident kB, exit status).
    (GNU time measures the program alone: a child forked from this Python process would count
    the interpreter's own pages in its peak.)"""
    rss_file = os.path.join(TMPDIR, "rss.txt")
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file, *map(str, args)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw)
    elapsed = time.perf_counter() - start
    if p.returncode != 0:
        print(f"  ! {' '.join(map(str, args))} exited {p.returncode}: {p.stderr.strip()}")
    with open(rss_file) as f:
        rss = int(f.read().split()[-1])
    return elapsed, rss, p.returncode


def fresh_robot(base, repo, url, name):
    path = os.path.join(base, name)
    shutil.rmtree(path, ignore_errors=True)
    return Robot(path, repo.root_json(), store=url)


def bench_update(base):
    print("== mstore update: catalog size")
    print(f"{'entries':>8} {'catalog':>10} {'targets':>10} {'update s':>9} {'peak MB':>8} "
          f"{'again s':>8} {'search s':>9} {'search MB':>9}")
    for n in CATALOGS:
        d = os.path.join(base, f"cat{n}")
        repo = Repo(d)
        repo.add(repo.make_package("com.example.wave", "1.0.0"))
        repo.publish("--synthetic", n)
        srv = Server(repo.dir)
        robot = fresh_robot(d, repo, srv.url, "robot")
        t, rss, rc = measure([MSTORE, "--root", robot.root, "--quiet", "update"])
        t2, _, _ = measure([MSTORE, "--root", robot.root, "--quiet", "update"])
        ts, rss_s, _ = measure([MSTORE, "--root", robot.root, "search", "dance"])
        cat = os.path.getsize(os.path.join(robot.root, "var/cache/motionstore/catalog.json"))
        tgt = os.path.getsize(os.path.join(robot.state, "metadata", "targets.json"))
        print(f"{n:>8} {cat / 1e6:>8.1f}MB {tgt / 1e6:>8.1f}MB {t:>9.2f} {rss / 1024:>8.1f} "
              f"{t2:>8.2f} {ts:>9.2f} {rss_s / 1024:>9.1f}", flush=True)
        srv.stop()
        shutil.rmtree(d, ignore_errors=True)


def bench_install(base):
    d = os.path.join(base, "install")
    repo = Repo(d)
    sizes = sorted({5, PACKAGE_MB, 150})
    for mb in sizes:
        repo.add(repo.make_package(f"com.bench.p{mb}", "1.0.0", pad=mb * 1000 * 1000))
    repo.publish()
    srv = Server(repo.dir)
    target = repo.target_file(f"packages/com.bench.p{PACKAGE_MB}/com.bench.p{PACKAGE_MB}-1.0.0.mpk")
    url = srv.url + os.path.relpath(target, repo.dir)
    size = os.path.getsize(target)

    print(f"\n== install of a {size / 1e6:.1f} MB package from 127.0.0.1 ({RUNS} runs, median)")
    ours, base_t = [], []
    for i in range(RUNS):
        robot = fresh_robot(d, repo, srv.url, "robot")
        subprocess.run([MSTORE, "--root", robot.root, "--quiet", "update"], check=True)
        t, rss, rc = measure([MSTORE, "--root", robot.root, "--quiet", "install",
                              f"com.bench.p{PACKAGE_MB}"])
        if rc == 0:
            ours.append(t)
        out = os.path.join(d, "baseline")
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        t, _, rc = measure(["bash", "-c", f"curl -s -o f '{url}' && sha256sum f >/dev/null && "
                                          f"bsdtar -xf f"], cwd=out)
        if rc == 0:
            base_t.append(t)
    mo, mb_ = statistics.median(ours), statistics.median(base_t)
    print(f"  mstore install (download+hash, verify, extract+hash, fsync, switch): {mo:.3f} s "
          f"({size / mo / 1e6:.0f} MB/s)")
    print(f"  baseline curl -o f && sha256sum f && bsdtar -xf f:                   {mb_:.3f} s "
          f"({size / mb_ / 1e6:.0f} MB/s)")
    print(f"  ratio mstore / baseline: {mo / mb_:.2f} (goal <= 1.0)")

    print("\n== peak memory of mstore install by package size")
    print(f"{'package':>10} {'peak MB':>8} {'seconds':>8}")
    for mb in sizes:
        robot = fresh_robot(d, repo, srv.url, "robot")
        subprocess.run([MSTORE, "--root", robot.root, "--quiet", "update"], check=True)
        t, rss, rc = measure([MSTORE, "--root", robot.root, "--quiet", "install",
                              f"com.bench.p{mb}"])
        print(f"{mb:>8}MB {rss / 1024:>8.1f} {t:>8.2f}", flush=True)
    srv.stop()
    shutil.rmtree(d, ignore_errors=True)


def main():
    base = workdir("bench-mstore")
    try:
        if CATALOGS:
            bench_update(base)
        bench_install(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
