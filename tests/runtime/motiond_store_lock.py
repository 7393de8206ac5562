"""motiond's store jobs and libmstore's metadata lock: a catalog refresh asked for while another
process refreshes (holds var/lib/motionstore/metadata.lock) waits, running, and finishes once the
lock is free; a refresh job waiting for the lock can be canceled; and an install runs its own
refresh the same way. Another mstore on the robot (a shell, a cron job) never makes motiond's
stored metadata older or its jobs fail."""
import fcntl
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import motiond_testlib as T  # noqa: E402
from motiond_testlib import WAVE, check  # noqa: E402


def wave_package():
    return [p for p in T.example_packages() if os.path.basename(p).startswith(WAVE + "-")]


def held_lock(md):
    f = open(os.path.join(md.root, "var", "lib", "motionstore", "metadata.lock"), "a")
    fcntl.flock(f, fcntl.LOCK_EX)
    return f


def stays_running(md, job_id, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if md.job(job_id)["state"] != "running":
            return False
        time.sleep(0.05)
    return True


def main():
    w = T.Workdir("motiond-store-lock")
    store = md = None
    ok = False
    try:
        store = T.Store(w.path, packages=wave_package())
        md = T.Motiond(w.path, store)
        md.pair()
        md.wait_jobs_idle()

        lock = held_lock(md)
        r = md.post("/api/v1/catalog/refresh")
        check(r.status == 202, "a catalog refresh is a job")
        jid = r.json["job"]["id"]
        T.wait_for(lambda: md.job(jid)["state"] == "running", 30, "the refresh job to start")
        check(stays_running(md, jid, 1.5),
              "the refresh waits while another process holds the metadata lock")
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
        check(md.wait_job(jid)["state"] == "done", "and finishes once the lock is free")

        lock = held_lock(md)
        r = md.post("/api/v1/catalog/refresh")
        jid = r.json["job"]["id"]
        T.wait_for(lambda: md.job(jid)["state"] == "running", 30, "the refresh job to start")
        check(md.request("DELETE", f"/api/v1/jobs/{jid}").status in (200, 202),
              "cancel the waiting refresh")
        job = md.wait_job(jid)
        check(job["state"] == "canceled", f"a refresh waiting for the lock is canceled ({job})")

        # An install refreshes first: it waits the same way, then installs.
        r = md.post("/api/v1/install", {"id": WAVE})
        jid = r.json["job"]["id"]
        T.wait_for(lambda: md.job(jid)["state"] == "running", 30, "the install job to start")
        check(stays_running(md, jid, 1.0), "an install waits for the metadata lock too")
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
        job = md.wait_job(jid)
        check(job["state"] == "done", f"and installs once it is free ({job.get('message')})")
        pk = md.get("/api/v1/packages").json["packages"]
        check([p["id"] for p in pk] == [WAVE], "the package is installed")
        ok = not T.FAILURES
    finally:
        if md:
            rc = md.stop()
            check(rc == 0, f"motiond stops cleanly ({rc})")
        if store:
            store.stop()
        w.cleanup(keep=not ok)
    T.finish()


if __name__ == "__main__":
    main()
