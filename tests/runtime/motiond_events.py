"""motiond's reports of what nobody asked for, on the simulated robot: the event stream's "error"
event (the robot's state stops arriving: sim's freeze_after; the watchdog latches and damps), and
its log: levels filter what is written, and under systemd (JOURNAL_STREAM set) each line carries
its syslog priority so that journald keeps the level. And what SIGTERM really sends the robot:
through the record backend, every command motiond wrote, read back independently of libmotion:
the motion is brought to rest and the very last command is damping."""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import motiond_testlib as T  # noqa: E402
from motiond_testlib import WAVE, check  # noqa: E402
from motion_play import read_recording  # noqa: E402


def test_watchdog_error(w):
    md = T.Motiond(w.path, config={"backend_options": ["freeze_after=2"]}, name="frozen")
    try:
        md.pair()
        # From the first event on (Last-Event-ID 0), whenever this stream connected.
        ev = T.EventStream(md, last_event_id=0)
        err = ev.wait(lambda n, d: n == "error", 30, "an error event")[1]
        check(err["error"] == "fault" and err["faults"] == ["watchdog"] and
              "state stopped arriving" in err["message"],
              f"the robot's silence is an error event ({err})")
        ev.wait(lambda n, d: n == "state" and "watchdog" in d["faults"] and
                d["activity"] == "damping", 10, "a state event with the fault")
        check(True, "a state event reports the watchdog and damping")
        ev.wait(lambda n, d: n == "motion" and d["event"] == "fault" and
                d["faults"] == ["watchdog"], 10, "the motion fault event")
        check(True, "and the player's fault event names it")
        m = md.status()["motion"]
        check("watchdog" in m["faults"] and m["activity"] == "damping",
              f"the status shows it after the event ({m['faults']}, {m['activity']})")
        check("fault latched: watchdog" in md.log(), "the log has it once the event is out")
        errors = [e for e in ev.events if e[0] == "error"]
        check(len(errors) == 1, f"one error event for one fault ({len(errors)})")
        ev.close()
        check(md.stop() == 0, "motiond still stops cleanly")
    finally:
        if md.proc:
            md.stop(signal.SIGKILL)


class Plain:
    """motiond started directly (the level may hide the 'ready' line that T.Motiond waits for)."""

    def __init__(self, w, name, args, env=None, journal=False):
        self.log_path = os.path.join(w.path, name + ".log")
        port_file = os.path.join(w.path, name + ".port")
        root = os.path.join(w.path, name)
        self.socket = os.path.join(w.path, name + ".sock")
        log = open(self.log_path, "w")
        if journal:  # as systemd does: the device and inode of the stream stderr is
            st = os.fstat(log.fileno())
            env = dict(env or os.environ, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
        self.p = subprocess.Popen([T.prog("motiond"), "--root", root, "--listen", "127.0.0.1",
                                   "--port", "0", "--port-file", port_file, "--socket", self.socket,
                                   "--no-realtime", *args], stdout=log, stderr=subprocess.STDOUT,
                                  env=env)
        log.close()
        T.wait_for(lambda: os.path.exists(port_file) and os.path.exists(self.socket) or
                   self.p.poll() is not None, 60, f"{name} to listen")

    def local(self, method, path, body=None):
        conn = T.UnixHTTPConnection(self.socket)
        try:
            conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            self.p.wait(30)
        with open(self.log_path, errors="replace") as f:
            return self.p.returncode, f.read()


def exercise(md):
    """Something for each level: an e-stop (warn), a release (info), a motion event (debug)."""
    check(md.local("POST", "/api/v1/estop", b"{}")[0] in (200, 503), "e-stop through the socket")
    T.wait_for(lambda: b'"estop": true' in md.local("GET", "/api/v1/status")[1] or
               b'"estop":true' in md.local("GET", "/api/v1/status")[1], 10, "the e-stop")
    check(md.local("POST", "/api/v1/release", b"{}")[0] == 200, "release through the socket")
    time.sleep(0.3)


def test_log_levels(w):
    md = Plain(w, "warn", ["--log-level", "warn"])
    exercise(md)
    rc, log = md.stop()
    lines = [l for l in log.splitlines() if l.startswith("motiond: ")]
    check(rc == 0 and re.search(r"^motiond: \[warn\] EMERGENCY STOP requested by a local user",
                                log, re.M),
          "--log-level warn: warnings are written, with their level")
    check(lines and all(re.match(r"motiond: \[(warn|error)\] ", l) for l in lines),
          f"--log-level warn: nothing below it ({[l for l in lines if '[warn]' not in l][:3]})")

    md = Plain(w, "debug", ["--log-level", "debug"])
    exercise(md)
    rc, log = md.stop()
    for level in ("warn", "info", "debug"):
        check(re.search(rf"^motiond: \[{level}\] ", log, re.M), f"--log-level debug writes {level}")

    # Under systemd: stderr is the journal's stream; the prefix <N> is the syslog priority.
    md = Plain(w, "journal", ["--log-level", "info"], journal=True)
    exercise(md)
    rc, log = md.stop()
    lines = [l for l in log.splitlines() if re.match(r"<\d>motiond: ", l)]
    check(rc == 0 and re.search(r"^<4>motiond: EMERGENCY STOP", log, re.M) and
          re.search(r"^<6>motiond: stopped cleanly", log, re.M),
          "under journald each line carries its priority (<4> warning, <6> info)")
    check(not re.search(r"^motiond: \[", log, re.M) and not re.search(r"^<7>", log, re.M),
          "and no bracketed level, nothing at debug priority with --log-level info")

    # A program started by a service inherits JOURNAL_STREAM even when its stderr goes elsewhere
    # (a file, as here, or a pipe): that is no journal, and the lines keep their plain format.
    env = dict(os.environ, JOURNAL_STREAM="8:12345")
    md = Plain(w, "inherited", ["--log-level", "info"], env=env)
    exercise(md)
    rc, log = md.stop()
    check(rc == 0 and re.search(r"^motiond: \[warn\] EMERGENCY STOP", log, re.M) and
          not re.search(r"^<\d>", log, re.M),
          "JOURNAL_STREAM naming another stream: plain lines")


def test_sigterm_damps(w):
    store = T.Store(w.path, packages=[p for p in T.example_packages()
                                      if os.path.basename(p).startswith(WAVE + "-")])
    rec = os.path.join(w.path, "sigterm.rec")
    md = T.Motiond(w.path, store, config={"backend": "record",
                                           "backend_options": [f"path={rec}", "inner=sim"]},
                   name="recorded")
    try:
        md.pair()
        md.wait_jobs_idle()
        check(md.install()["state"] == "done", "the wave is installed")
        md.post("/api/v1/play", {"package": WAVE, "loop": "forever"})
        T.wait_for(lambda: md.activity() == "playing", 30, "playing")
        time.sleep(0.5)
        check(md.stop() == 0, "SIGTERM while playing: exit 0")
    finally:
        if md.proc:
            md.stop(signal.SIGKILL)
        store.stop()
    model, n, rate, flags, dropped, commands, states = read_recording(rec)
    check(model == "g1-29dof" and dropped == 0 and len(commands) > 500,
          f"the recording holds every command ({len(commands)}, {dropped} dropped)")
    last = commands[-1]
    enabled = [j for j in range(n) if last["enable"][j]]
    check(enabled and all(last["kp"][j] == 0.0 for j in range(n)) and
          all(last["dq"][j] == 0.0 for j in range(n)),
          f"the last command is damping: no position gain on any joint ({len(enabled)} enabled)")
    driven = [c for c in commands if any(c["kp"][j] > 0 for j in range(n))]
    check(driven and driven[-1]["tick"] < last["tick"],
          "the motion's commands (with position gains) came before it")
    # Damping holds the robot where it is: its targets are the last state read, not a jump.
    seen = [st for st in states if st["tick"] <= last["tick"]]
    gap = max(abs(last["q"][j] - seen[-1]["q"][j]) for j in enabled) if seen else None
    check(gap is not None and gap < 1e-6,
          f"its targets are the robot's last measured position (largest gap {gap})")


def main():
    w = T.Workdir("motiond-events")
    try:
        test_watchdog_error(w)
        test_log_levels(w)
        test_sigterm_damps(w)
    finally:
        w.cleanup(keep=bool(T.FAILURES))
    T.finish()


if __name__ == "__main__":
    main()
