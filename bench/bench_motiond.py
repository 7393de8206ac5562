#!/usr/bin/env python3
"""motiond under API load: does the phone bridge disturb the control loop?

Starts a store and motiond (sim backend, SCHED_FIFO and locked memory when permitted, as on the
robot), installs the example wave and plays it in a loop; then
  1. quiet: the control loop's wake-up latency with nobody calling the API;
  2. wrk, 50 connections, GET /api/v1/status (a token in the header): API latency p50/p99 and
     requests/s, with the loop's wake-up latency over the same seconds;
  3. the same with GET /api/v1/catalog?q=g1 (a search in the cached catalog);
  4. the emergency stop's round trip while wrk keeps loading /api/v1/status.
Prints the figures; nothing passes or fails on speed.

usage: bench_motiond.py [--build DIR] [--duration S] [--connections N] [--threads N]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)


def parse_wrk(out):
    def dur(text):
        v, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
        return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
    pct = {m.group(1): dur(m.group(2)) for m in re.finditer(r"^\s+(\d+)%\s+(\S+)$", out, re.M)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"p50": pct.get("50"), "p90": pct.get("90"), "p99": pct.get("99"), "rps": rps,
            "requests": total, "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1) if errors else "none"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    os.environ.setdefault("MS_BIN_DIR", os.path.join(build, "bin"))
    os.environ.setdefault("MS_BINARY_DIR", build)
    os.environ.setdefault("MS_SOURCE_DIR", SRC)
    os.environ.setdefault("MS_TEST_TMP", os.path.join(build, "bench-tmp"))
    sys.path.insert(0, os.path.join(SRC, "tests", "runtime"))
    import motiond_testlib as T  # noqa: E402
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is not installed (tools/setup installs it)")

    w = T.Workdir("bench-motiond")
    store = md = None
    try:
        store = T.Store(w.path)
        md = T.Motiond(w.path, store, realtime=True, config={"log_level": "info",
                                                             "max_connections": 512})
        md.pair("bench")
        md.wait_jobs_idle()
        md.install()
        assert md.post("/api/v1/play", {"package": T.WAVE, "loop": "forever"}).status == 200
        T.wait_for(lambda: md.activity() == "playing", 30, "playing")
        rows = []

        def loop_stats(seconds, load=None):
            md.post("/api/v1/stats/reset")
            time.sleep(0.05)
            out = None
            if load:
                out = subprocess.run(load, capture_output=True, text=True, timeout=seconds + 60)
                if out.returncode != 0:
                    raise SystemExit(f"wrk failed: {out.stderr}")
            else:
                time.sleep(seconds)
            s = md.get("/api/v1/stats").json
            return s, (parse_wrk(out.stdout) if out else None)

        def wrk_cmd(path):
            return [wrk, "-t", str(args.threads), "-c", str(args.connections), "-d",
                    f"{args.duration:g}s", "--latency", "-H", f"Authorization: Bearer {md.token}",
                    md.url + path]

        quiet, _ = loop_stats(args.duration)
        rows.append(("quiet (no API traffic)", None, quiet))
        for label, path in (("GET /api/v1/status", "/api/v1/status"),
                            ("GET /api/v1/catalog?q=g1", "/api/v1/catalog?q=g1")):
            s, r = loop_stats(args.duration, wrk_cmd(path))
            rows.append((label, r, s))
        check_playing = md.status()["motion"]

        # The e-stop's round trip while wrk loads the API.
        proc = subprocess.Popen(wrk_cmd("/api/v1/status"), stdout=subprocess.DEVNULL)
        time.sleep(1.0)
        lat = []
        t_end = time.monotonic() + max(3.0, args.duration - 2)
        while time.monotonic() < t_end:
            t0 = time.monotonic()
            r = md.post("/api/v1/estop")
            lat.append((time.monotonic() - t0) * 1000)
            assert r.status == 200, r
            r = md.post("/api/v1/release")
            assert r.status == 200, r
            T.wait_for(lambda: not md.status()["motion"]["faults"], 30, "release")
            time.sleep(0.2)
        proc.wait(args.duration + 30)
        lat.sort()

        st = quiet
        print(f"\nbench_motiond: motiond on {os.uname().nodename} ({os.cpu_count()} cores, load "
              f"{os.getloadavg()[0]:.2f}), sim backend at 500 Hz playing the wave in a loop, "
              f"{'SCHED_FIFO' if st['realtime'] else 'normal priority'}, memory "
              f"{'locked' if st['memory_locked'] else 'not locked'}; wrk {args.threads} threads, "
              f"{args.connections} connections, {args.duration:g} s per row")
        print(f"{'':28s} {'API p50':>9s} {'API p90':>9s} {'API p99':>9s} {'req/s':>9s} | "
              f"{'loop wake-up p50':>16s} {'p99':>7s} {'p99.9':>7s} {'max':>7s} {'overruns':>8s}")
        for label, r, s in rows:
            wk = s["wakeup"]
            api = (f"{r['p50']:7.2f}ms {r['p90']:7.2f}ms {r['p99']:7.2f}ms {r['rps']:9.0f}"
                   if r else f"{'-':>9s} {'-':>9s} {'-':>9s} {'-':>9s}")
            print(f"{label:28s} {api} | {wk['p50_us']:13.0f} us {wk['p99_us']:4.0f} us "
                  f"{wk['p999_us']:4.0f} us {wk['max_us']:4.0f} us {s['overruns']:8d}")
        for label, r, s in rows:
            if r and (r["non2xx"] or r["socket_errors"] != "none"):
                print(f"  {label}: {r['non2xx']} non-2xx answers, socket errors: {r['socket_errors']}")
        print(f"e-stop round trip under the same load: {len(lat)} presses, median "
              f"{lat[len(lat) // 2]:.2f} ms, max {lat[-1]:.2f} ms")
        print(f"the motion kept playing through the load: {check_playing['activity']}")
        md.stop()
    finally:
        if md and md.proc:
            md.stop()
        if store:
            store.stop()
        w.cleanup()


if __name__ == "__main__":
    main()
