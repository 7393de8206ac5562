"""motiond end to end on the simulated robot: the store's example packages published to a real
mstore-server, found through the phone API's catalog (this robot's packages only), installed,
upgraded and removed as jobs with progress on the event stream, played with every control, a
sideload on a robot without network, `mstore play/stop/status` over the Unix socket, the
configuration file with its overrides, and SIGTERM (motion stopped, damping, state saved)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import motiond_testlib as T  # noqa: E402
from motiond_testlib import WAVE, check  # noqa: E402


def manifest(pkg):
    with zipfile.ZipFile(pkg) as z:
        return json.loads(z.read("manifest.json"))


def build_wave(base, version):
    """The example wave project at another version, signed with the example key."""
    proj = os.path.join(base, f"wave-{version}")
    shutil.copytree(os.path.join(T.SRC, "packages", "g1-wave"), proj)
    path = os.path.join(proj, "mpk-project.json")
    with open(path) as f:
        p = json.load(f)
    p["version"] = version
    p["key"] = os.path.join(T.SRC, "packages", "keys", "example.key")
    with open(path, "w") as f:
        json.dump(p, f)
    out = os.path.join(base, f"{WAVE}-{version}.mpk")
    T.run([T.prog("mpk"), "build", proj, "-o", out])
    return out


def test_config(w):
    r = T.run([T.prog("motiond"), "--help"])
    check("--config FILE" in r.stdout and "--backend" in r.stdout, "motiond --help documents the options")
    cfg = os.path.join(w.path, "c.json")
    with open(cfg, "w") as f:
        json.dump({"robot": "h1", "port": 9000, "backend_options": ["latency_ms=2"],
                   "store_url": "http://127.0.0.1:1/"}, f)
    r = T.run([T.prog("motiond"), "--config", cfg, "--port", "0", "--robot", "g1-29dof",
               "--rate", "250", "--print-config"])
    eff = json.loads(r.stdout)
    check(eff["port"] == 0 and eff["robot"] == "g1-29dof" and eff["rate"] == 250,
          "command-line options override the configuration file")
    check(eff["backend_options"] == ["latency_ms=2"] and eff["config"] == cfg,
          "keys not overridden come from the file")
    check(eff["max_connections"] == 256 and eff["max_connections_per_client"] == 128,
          "one client gets half of the connections by default")
    bad = [({"robot": "r2d2"}, "robot"), ({"port": 70000}, "port"), ({"colour": 1}, "colour"),
           ({"rate": "fast"}, "rate"), ({"mode": "sideways"}, "mode"),
           ({"store_url": "ftp://x"}, "store_url"), ({"listen": "localhost"}, "listen"),
           ({"max_connections": 16, "max_connections_per_client": 16}, "max_connections_per_client")]
    for doc, key in bad:
        with open(cfg, "w") as f:
            json.dump(doc, f)
        r = T.run([T.prog("motiond"), "--config", cfg, "--print-config"], check_rc=False)
        check(r.returncode == 2 and key in r.stderr and cfg in r.stderr,
              f"a bad configuration ({doc}) is refused naming the file and '{key}': {r.stderr.strip()}")
    example = os.path.join(T.SRC, "runtime", "motiond", "motiond.example.json")
    r = T.run([T.prog("motiond"), "--config", example, "--print-config"], check_rc=False)
    check(r.returncode == 0 and json.loads(r.stdout)["backend"] == "dds",
          "the example configuration is valid")
    with open(os.path.join(T.SRC, "runtime", "motiond", "motiond.service")) as f:
        unit = f.read()
    exec_start = [l.split("=", 1)[1].split() for l in unit.splitlines() if l.startswith("ExecStart=")][0]
    args = [T.prog("motiond")] + [example if a.endswith(".json") else a for a in exec_start[1:]]
    r = T.run(args + ["--print-config"], check_rc=False)
    check(r.returncode == 0 and "KillSignal=SIGTERM" in unit,
          "the systemd unit's command line is valid and it stops motiond with SIGTERM")
    # systemd's own check of the unit (every key known, the program there), on a copy that runs
    # this build's motiond.
    analyze = shutil.which("systemd-analyze")
    if analyze:
        copy = os.path.join(w.path, "motiond.service")
        with open(copy, "w") as f:
            f.write(unit.replace(exec_start[0], T.prog("motiond")))
        r = T.run([analyze, "verify", "--man=no", copy], check_rc=False)
        check(r.returncode == 0 and not r.stderr.strip() and not r.stdout.strip(),
              f"systemd-analyze verify finds nothing to say about the unit: {r.stderr.strip()}")
    else:
        print("note: no systemd-analyze here; the unit was checked by its command line only")
    # Start-up failures are clear and leave nothing running: a port in use (found before the
    # control loop ever starts), a corrupt token file.
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        root = os.path.join(w.path, "busy-root")
        r = T.run([T.prog("motiond"), "--root", root, "--listen", "127.0.0.1", "--port", str(port),
                   "--no-realtime", "--socket", ""], check_rc=False, timeout=60)
        check(r.returncode == 1 and f"port {port}" in r.stderr and "in use" in r.stderr and
              "control loop" not in r.stderr,
              f"a port in use: exit 1 naming it ({r.stderr.strip().splitlines()[-2:]})")
    tokens = os.path.join(root, "var", "lib", "motionstore", "motiond", "tokens.json")
    with open(tokens, "w") as f:
        f.write("{\"format\": 1, \"tokens\": 7}")
    r = T.run([T.prog("motiond"), "--root", root, "--listen", "127.0.0.1", "--port", "0",
               "--no-realtime", "--socket", ""], check_rc=False, timeout=60)
    check(r.returncode == 1 and tokens in r.stderr, "a corrupt token file: exit 1 naming it")
    with open(tokens) as f:
        check(f.read() == "{\"format\": 1, \"tokens\": 7}", "and the file is left as it was")
    r = T.run([T.prog("motiond"), "--frobnicate"], check_rc=False)
    check(r.returncode == 2 and "--frobnicate" in r.stderr, "an unknown option is a usage error")


def test_store_flow(w, store):
    md = T.Motiond(w.path, store)
    try:
        md.pair()
        md.wait_jobs_idle()
        jobs = md.get("/api/v1/jobs").json["jobs"]
        check(jobs and jobs[-1]["kind"] == "update" and jobs[-1]["state"] == "done",
              "motiond refreshes the store's metadata when it starts")

        # The catalog: exactly the example packages with a motion for this robot.
        want = sorted(manifest(p)["id"] for p in T.example_packages()
                      if "g1-29dof" in manifest(p)["robots"])
        cat = md.get("/api/v1/catalog").json
        got = sorted(p["id"] for p in cat["packages"])
        check(got == want and cat["robot"] == "g1-29dof",
              f"the catalog lists this robot's packages only ({len(got)} of "
              f"{len(T.example_packages())})")
        hit = md.get("/api/v1/catalog?q=WAVE&lang=zh").json["packages"]
        check([p["id"] for p in hit] == [WAVE] and hit[0]["name"] == "挥手",
              "search is case-insensitive and names follow lang")
        check(md.get("/api/v1/catalog?q=nothing-like-this").json["packages"] == [],
              "a search that matches nothing is empty")

        # Install as a job, its progress on the event stream.
        ev = T.EventStream(md)
        r = md.post("/api/v1/install", {"id": WAVE})
        check(r.status == 202 and r.json["job"]["kind"] == "install", "install answers 202 with a job")
        job = md.wait_job(r.json["job"]["id"])
        check(job["state"] == "done" and job["percent"] == 100, "the install job finishes")
        # The job's last event may reach the stream a moment after GET /jobs says done.
        ev.wait(lambda n, d: n == "job" and d["id"] == job["id"] and d["state"] == "done", 10,
                "the job's last event")
        phases = [d.get("phase") for n, d, _ in ev.events if n == "job" and d["id"] == job["id"]]
        check(all(p in phases for p in ("metadata", "download", "extract", "commit")),
              f"job events report every phase ({sorted(set(filter(None, phases)))})")
        pct = [d["percent"] for n, d, _ in ev.events if n == "job" and d["id"] == job["id"]]
        check(pct == sorted(pct), "the job's percent only grows")
        pk = md.get("/api/v1/packages").json["packages"]
        check([p["id"] for p in pk] == [WAVE] and pk[0]["motions"][0]["name"] == "wave",
              "the installed list names the package and its motions")
        check(md.get("/api/v1/catalog?q=wave").json["packages"][0]["installed"] == "1.0.0",
              "the catalog says which version is installed")

        # Play once to the end: blend-in, started, finished, idle; playback positions grow.
        r = md.post("/api/v1/play", {"package": WAVE, "motion": "wave"})
        check(r.status == 200 and r.json["motion"] == "wave" and r.json["version"] == "1.0.0",
              "play answers with the item's tag")
        tag = r.json["tag"]
        ev.wait(lambda n, d: n == "motion" and d["event"] == "blend-in" and d.get("tag") == tag,
                30, "blend-in")
        ev.wait(lambda n, d: n == "motion" and d["event"] == "started" and d.get("tag") == tag,
                30, "started")
        st = md.status()["motion"]
        check(st["current"]["package"] == WAVE and st["activity"] in ("playing", "blend-in"),
              "the status shows what plays")
        fin = ev.wait(lambda n, d: n == "motion" and d["event"] == "finished" and
                      d.get("tag") == tag, 60, "finished")
        ev.wait(lambda n, d: n == "state" and d["activity"] == "idle", 30, "idle", after=fin)
        times = [d["current"]["time"] for n, d, _ in ev.events
                 if n == "playback" and d.get("current") and d["current"]["tag"] == tag
                 and d["activity"] == "playing"]
        check(len(times) >= 20 and times == sorted(times) and times[-1] > 5,
              f"playback events follow the motion ({len(times)} events, up to {times[-1]:.2f} s)")
        stats = md.get("/api/v1/stats").json
        check(stats["ticks"] > 1000 and stats["safety"]["estop"] == 0 and stats["wakeup"]["count"] > 0,
              "the loop's statistics are served")
        # Tracking is judged by its RMS: a loop held up for a moment (sanitizers, a busy machine;
        # this test is not nosan) lets the sim robot fall behind for a tick or two and shows in
        # the maximum (0.22 rad seen under ASan at load 9), hardly in the RMS (quiet: 0.003).
        check(stats["tracking_rms_rad"] < 0.05 and stats["tracking_max_rad"] < 0.5,
              f"the sim robot tracked the motion (RMS {stats['tracking_rms_rad']:.4f} rad, "
              f"max {stats['tracking_max_rad']:.4f} rad)")

        # Loops and speed; then pause, resume, speed change, stop.
        r = md.post("/api/v1/play", {"package": WAVE, "loop": 3, "speed": 2.0})
        tag = r.json["tag"]
        ev.wait(lambda n, d: n == "motion" and d["event"] == "looped" and d.get("tag") == tag,
                30, "looped")
        check(md.status()["motion"]["speed"] == 2.0, "play sets the speed")
        check(md.post("/api/v1/pause").status == 200, "pause")
        wait = T.wait_for(lambda: md.status()["motion"]["paused"], 10, "paused")
        check(wait, "the status says paused")
        check(md.post("/api/v1/resume").status == 200 and
              T.wait_for(lambda: not md.status()["motion"]["paused"], 10, "resumed"), "resume")
        check(md.post("/api/v1/speed", {"speed": 0.5}).status == 200 and
              T.wait_for(lambda: md.status()["motion"]["speed"] == 0.5, 10, "speed"),
              "the speed changes while playing")
        # Queue: one item after the one playing; the queue shows both; clearing drops it.
        r = md.post("/api/v1/queue", {"package": WAVE, "motion": "wave"})
        check(r.status == 202 and r.json["queued"], "queue answers 202")
        q = md.get("/api/v1/queue").json
        check(q["current"] and q["current"]["tag"] == tag and
              [i["tag"] for i in q["queued"]] == [r.json["tag"]],
              "the queue shows the item playing and the one after it")
        check(md.request("DELETE", "/api/v1/queue").status == 200, "clear the queue")
        T.wait_for(lambda: md.get("/api/v1/queue").json["queued"] == [], 10, "the queue to empty")
        check(True, "the queue is empty after clearing")
        check(md.post("/api/v1/stop", {"return_to_stand": False}).status == 200, "stop")
        ev.wait(lambda n, d: n == "motion" and d["event"] == "stopped", 30, "stopped")
        T.wait_for(lambda: md.activity() == "idle", 30, "idle after the stop")
        check(True, "a stop comes to rest and the robot is idle again")

        # Refusals.
        r = md.post("/api/v1/play", {"package": WAVE, "motion": "cartwheel"})
        check(r.status == 404 and r.json["error"] == "no-motion", "an unknown motion is refused")
        r = md.post("/api/v1/play", {"package": "org.example.not-installed"})
        check(r.status == 404 and r.json["error"] == "not-installed", "a package not installed is refused")
        r = md.post("/api/v1/install", {"id": "org.example.nowhere"})
        job = md.wait_job(r.json["job"]["id"])
        check(job["state"] == "failed" and job["error"] == "MSTORE_ENOTFOUND" and job["message"],
              f"installing an unknown package fails with a reason ({job.get('message')})")

        # Upgrade to a new version published meanwhile, then remove.
        store.upload(build_wave(w.path, "1.1.0"))
        r = md.post("/api/v1/catalog/refresh")
        md.wait_job(r.json["job"]["id"])
        c = md.get("/api/v1/catalog?q=wave").json["packages"][0]
        check(c["version"] == "1.1.0" and c["update_available"], "the catalog offers the update")
        r = md.post("/api/v1/upgrade", {"id": WAVE})
        job = md.wait_job(r.json["job"]["id"])
        check(job["state"] == "done" and job["upgraded"] == 1, "upgrade as a job")
        check(md.get("/api/v1/packages").json["packages"][0]["version"] == "1.1.0",
              "the new version is installed")
        r = md.post("/api/v1/play", {"package": WAVE})
        check(r.status == 200 and r.json["version"] == "1.1.0", "the new version plays")
        md.post("/api/v1/stop")
        r = md.post("/api/v1/remove", {"id": WAVE})
        job = md.wait_job(r.json["job"]["id"])
        check(job["state"] == "done" and md.get("/api/v1/packages").json["packages"] == [],
              "remove as a job")
        ev.close()
        T.wait_for(lambda: md.activity() == "idle", 30, "idle")
        md.install()

        # mstore play/stop/status over the Unix socket.
        ms = [T.prog("mstore"), "--root", md.root]
        env = dict(os.environ, MOTIOND_SOCKET=md.socket)
        r = T.run(ms + ["play", WAVE, "--loop", "forever"], check_rc=False, env=env)
        check(r.returncode == 0 and "playing" in r.stdout, f"mstore play: {r.stdout}{r.stderr}")
        T.wait_for(lambda: md.activity() == "playing", 30, "playing")
        r = T.run(ms + ["status"], check_rc=False, env=env)
        check(r.returncode == 0 and "activity  playing" in r.stdout and WAVE in r.stdout,
              "mstore status shows the motion playing")
        r = T.run(ms + ["--json", "status"], check_rc=False, env=env)
        check(r.returncode == 0 and json.loads(r.stdout)["motion"]["current"]["loop"] == "forever",
              "mstore --json status")
        r = T.run(ms + ["stop", "--socket", md.socket], check_rc=False)
        check(r.returncode == 0 and "stopping" in r.stdout, "mstore stop (with --socket)")
        T.wait_for(lambda: md.activity() == "idle", 30, "idle after mstore stop")
        r = T.run(ms + ["stop", "--estop"], check_rc=False, env=env)
        # On a starved machine the loop may not confirm within motiond's 200 ms (an error answer,
        # exit non-zero); the stop is latched all the same and must show.
        check(r.returncode == 0 and "emergency stop engaged" in r.stdout or
              "did not confirm" in r.stderr, f"mstore stop --estop: {r.stdout}{r.stderr}")
        T.wait_for(lambda: md.status()["motion"]["estop"], 10, "the e-stop in the status")
        check(True, "mstore stop --estop puts the robot into the emergency stop")
        r = T.run(ms + ["play", WAVE], check_rc=False, env=env)
        check(r.returncode == 1 and "release it first" in r.stderr,
              "mstore play is refused while the emergency stop is engaged")
        r = T.run(ms + ["stop", "--release"], check_rc=False, env=env)
        check(r.returncode == 0 and T.wait_for(lambda: not md.status()["motion"]["faults"], 10,
                                               "release"), "mstore stop --release")
        r = T.run(ms + ["play", "org.example.missing"], check_rc=False, env=env)
        check(r.returncode == 3 and "not installed" in r.stderr, "mstore play of a missing package: exit 3")
        r = T.run(ms + ["status", "--socket", os.path.join(w.path, "nothing.sock")], check_rc=False)
        check(r.returncode == 5 and "is motiond running" in r.stderr,
              "mstore status without motiond says so (exit 5)")

        # SIGTERM while playing: motion stopped, damping sent, state saved, exit 0.
        md.post("/api/v1/play", {"package": WAVE, "loop": "forever"})
        T.wait_for(lambda: md.activity() == "playing", 30, "playing")
        rc = md.stop()
        log = md.log()
        check(rc == 0, f"motiond exits 0 on SIGTERM ({rc})")
        check("stopping motion" in log and "damping sent" in log and "stopped cleanly" in log,
              "SIGTERM stops the motion, damps and says so")
        with open(os.path.join(md.root, "var/lib/motionstore/motiond/state.json")) as f:
            state = json.load(f)
        check(state["clean"] and state["last_activity"] not in ("playing", "blend-in"),
              f"the state file records a clean stop ({state['last_activity']})")
        check(not os.path.exists(md.socket), "the Unix socket is removed")

        # A restart keeps the pairing and the installation; a killed run is noticed; the store
        # client's configuration, already right, is not written again.
        store_cfg = os.path.join(md.root, "etc", "motionstore", "config.json")
        with open(store_cfg) as f:
            check(json.load(f)["store"] == store.url, "motiond wrote the store URL for the client")
        mtime = os.stat(store_cfg).st_mtime_ns
        md.start()
        check(os.stat(store_cfg).st_mtime_ns == mtime, "an unchanged config.json is left alone")
        check(md.get("/api/v1/status").status == 200, "the token survives a restart (stored hashed)")
        with open(os.path.join(md.root, "var/lib/motionstore/motiond/tokens.json")) as f:
            text = f.read()
        check(md.token not in text and md.token[4:] not in text, "the token file holds no token")
        check(md.get("/api/v1/packages").json["packages"][0]["id"] == WAVE, "installed packages stay")
        md.stop(signal.SIGKILL)
        md.start()
        check("did not stop cleanly" in md.log(), "a killed predecessor is noticed; its socket replaced")
        check(md.stop() == 0, "and it stops cleanly again")
    finally:
        if md.proc:
            md.stop(signal.SIGKILL)


def test_sideload(w, store):
    """A robot without network: the phone hands over the package and the store's metadata."""
    base = os.path.join(w.path, "offline")
    os.makedirs(base)
    md = T.Motiond(base, config={"trusted_root": store.root})
    try:
        md.pair()
        pkg = [p for p in T.example_packages() if manifest(p)["id"] == WAVE][0]
        repo = os.path.join(store.dir, "repository")
        meta = []
        for name in sorted(os.listdir(os.path.join(repo, "metadata"))):
            with open(os.path.join(repo, "metadata", name), "rb") as f:
                meta.append(("metadata", name, f.read()))
        for name in os.listdir(os.path.join(repo, "targets")):
            if name.endswith(".catalog.json"):
                with open(os.path.join(repo, "targets", name), "rb") as f:
                    meta.append(("metadata", name, f.read()))
        with open(pkg, "rb") as f:
            data = f.read()
        ctype, body = T.multipart([("package", "wave.mpk", data)] + meta)
        r = md.request("POST", "/api/v1/sideload", raw=body, headers={"Content-Type": ctype})
        check(r.status == 202 and r.json["job"]["kind"] == "sideload" and
              r.json["job"]["package"] == WAVE, f"sideload answers 202 with a job ({r})")
        job = md.wait_job(r.json["job"]["id"])
        check(job["state"] == "done", f"the sideloaded package installs ({job.get('message')})")
        check(md.post("/api/v1/play", {"package": WAVE}).status == 200, "and plays")
        md.post("/api/v1/stop")

        # A tampered package fails its signed hash; nothing changes.
        bad = bytearray(data)
        bad[len(bad) // 2] ^= 0xFF
        ctype, body = T.multipart([("package", "wave.mpk", bytes(bad))] + meta)
        r = md.request("POST", "/api/v1/sideload", raw=body, headers={"Content-Type": ctype})
        if r.status == 202:
            job = md.wait_job(r.json["job"]["id"])
            check(job["state"] == "failed", f"a tampered package is refused ({job.get('message')})")
        else:
            check(r.status == 422, f"a tampered package is refused ({r})")
        check(len(md.get("/api/v1/packages").json["packages"]) == 1, "the installation is unchanged")
        for fields, why in (([("package", "wave.mpk", data)], "no metadata"),
                            (meta, "no package"),
                            ([("package", "wave.mpk", data), ("metadata", "../evil", b"{}")],
                             "a path as a file name"),
                            ([("package", "a.mpk", data), ("package", "b.mpk", data)] + meta,
                             "two packages"),
                            ([("firmware", "x.bin", b"x")], "an unknown part")):
            ctype, body = T.multipart(fields)
            r = md.request("POST", "/api/v1/sideload", raw=body, headers={"Content-Type": ctype})
            check(r.status == 400 and r.json["error"] == "bad-upload", f"sideload with {why}: 400 ({r})")
        r = md.request("POST", "/api/v1/sideload", raw=b"{}", headers={"Content-Type": "application/json"})
        check(r.status == 415, "sideload wants multipart/form-data")
        uploads = os.path.join(md.root, "var/cache/motionstore/motiond-uploads")
        check(not os.path.isdir(uploads) or os.listdir(uploads) == [],
              "refused uploads leave no files behind")
        check(md.stop() == 0, "the offline motiond stops cleanly")
    finally:
        if md.proc:
            md.stop(signal.SIGKILL)


def main():
    w = T.Workdir("motiond-e2e")
    store = None
    try:
        test_config(w)
        store = T.Store(w.path)
        test_store_flow(w, store)
        test_sideload(w, store)
    finally:
        if store:
            store.stop()
        w.cleanup(keep=bool(T.FAILURES))
    T.finish()


if __name__ == "__main__":
    main()
