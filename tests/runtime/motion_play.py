#!/usr/bin/env python3
"""Scenario test of motion-play and `mpk play`: the real programs on real packages.

Plays the example g1-wave package and a full-body Go2 package built here with `mpk build` on the
simulated robot, with controls, refusals and bad arguments, and reads a recording back with an
independent reader written from the format in docs/runtime.md.
"""
import glob
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

BIN = os.environ["MS_BIN_DIR"]
BUILD = os.environ["MS_BINARY_DIR"]
TMP = os.environ.get("MS_TEST_TMP", "/tmp")
PLAY = os.path.join(BIN, "motion-play")
MPK = os.path.join(BIN, "mpk")
failures = []


def run(args, expect_rc, must_contain=None, program=PLAY):
    proc = subprocess.run([program] + args, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    ok = proc.returncode == expect_rc and (must_contain is None or must_contain in out)
    print("%s %s -> %d %s" % ("ok  " if ok else "FAIL", " ".join(args), proc.returncode,
                             "" if ok else "\n" + out))
    if not ok:
        failures.append(" ".join(args))
    return proc


def summary(args, expect_rc=0, program=PLAY):
    proc = run(args + ["--json"], expect_rc, program=program)
    try:
        return json.loads(proc.stdout[proc.stdout.index("{"):])
    except ValueError:
        failures.append("no JSON from " + " ".join(args))
        return {}


def check(cond, what):
    print("%s %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        failures.append(what)


def clean_run(s, what):
    """A run the safety filter never had to correct, with no fault nobody asked for."""
    saf = s.get("safety", {})
    check(s.get("faults_seen") == 0, what + ": no fault")
    check(saf.get("clamped") == 0 and saf.get("rate_limited") == 0 and saf.get("velocity") == 0,
          what + ": the filter never had to step in")
    check(s.get("tracking", {}).get("max_rad", 9) < 0.2, what + ": tracking within 0.2 rad")


def go2_package(workdir):
    """A full-body Go2 greeting: every leg joint on a smooth curve, built with mpk build."""
    joints = ["FR_hip", "FR_thigh", "FR_calf", "FL_hip", "FL_thigh", "FL_calf",
              "RR_hip", "RR_thigh", "RR_calf", "RL_hip", "RL_thigh", "RL_calf"]
    stand = [0.0, 0.9, -1.8] * 4
    project = os.path.join(workdir, "go2-stretch")
    os.makedirs(os.path.join(project, "motions"))
    rows = []
    for f in range(151):
        t = f / 50.0
        s = math.sin(math.pi * t / 3.0) ** 2
        rows.append([t] + [q + (0.25 * s if i % 3 == 1 else -0.2 * s if i % 3 == 2 else 0)
                           for i, q in enumerate(stand)])
    with open(os.path.join(project, "motions", "stretch.csv"), "w") as f:
        f.write("# mpk-track: 1\n# robot: go2\n# rate: 50\n")
        f.write("time," + ",".join(joints) + "\n")
        for r in rows:
            f.write(",".join("%.6f" % v for v in r) + "\n")
    key = os.path.join(workdir, "test.key")
    subprocess.run([MPK, "keygen", "-o", key], check=True, capture_output=True)
    with open(os.path.join(project, "mpk-project.json"), "w") as f:
        json.dump({"format": 1, "id": "org.motionstore.tests.go2-stretch", "version": "1.0.0",
                   "name": {"en": "Stretch"}, "description": {"en": "A test stretch."},
                   "author": "Runtime tests", "license": "CC0-1.0", "category": "exercise",
                   "permissions": ["full-body"], "min_runtime": "0.1.0", "key": key,
                   "motions": [{"name": "stretch", "robot": "go2",
                                "source": {"type": "csv", "file": "motions/stretch.csv"},
                                "loopable": True}]}, f)
    out = os.path.join(workdir, "go2-stretch.mpk")
    proc = subprocess.run([MPK, "build", project, "-o", out], capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stdout + proc.stderr)
        sys.exit("mpk build of the Go2 test package failed")
    return out


def read_recording(path):
    """The record format of docs/runtime.md, read independently of libmotion."""
    with open(path, "rb") as f:
        data = f.read()
    magic, version, hsize, n, rsize, rate, model, flags, dropped = struct.unpack_from(
        "<8sIIIId24sII", data, 0)
    assert magic == b"MOTREC1\n" and version == 1 and hsize == 64, "bad header"
    assert rsize == 40 + 40 * n + (n + 7) // 8 * 8, "bad record size"
    commands, states = [], []
    for off in range(64, len(data) - rsize + 1, rsize):
        kind, channel, _, seq, tick, time_ns, weight, _ = struct.unpack_from("<BBHIQqdd", data, off)
        arrays = struct.unpack_from("<%dd" % (5 * n), data, off + 40)
        enable = data[off + 40 + 40 * n: off + 40 + 41 * n]
        rec = {"tick": tick, "time": time_ns, "weight": weight, "channel": channel,
               "q": arrays[0:n], "dq": arrays[n:2 * n], "kp": arrays[2 * n:3 * n],
               "enable": enable}
        (commands if kind == 1 else states).append(rec)
        assert kind in (1, 2), "bad kind"
    return model.rstrip(b"\0").decode(), n, rate, flags, dropped, commands, states


def main():
    packages = glob.glob(os.path.join(BUILD, "packages", "*g1-wave*.mpk"))
    if not packages:
        sys.exit("the example package g1-wave was not built (it is part of the build)")
    wave = packages[0]
    work = tempfile.mkdtemp(prefix="motion-play.", dir=TMP if os.path.isdir(TMP) else None)
    go2 = go2_package(work)

    # Plays, on the simulator, from standing and from random moving starts.
    s = summary([wave, "--fast"])
    check(s.get("robot") == "g1-29dof" and s.get("mode") == "arm", "wave: g1-29dof, arm mode")
    check(s.get("final_activity") == "idle", "wave: ends idle (arms handed back)")
    check(abs(s.get("blend_in_s", 0) - 1.0) < 1e-6, "wave: blend-in lasts the weight ramp")
    clean_run(s, "wave")
    for seed in (1, 2, 3):
        s = summary([wave, "--fast", "--start-pose", "random", "--seed", str(seed)])
        clean_run(s, "wave from random start %d" % seed)

    # Every control while playing.
    s = summary([wave, "--fast", "--at", "2:pause", "--at", "2.8:resume", "--at", "3.2:speed=1.8",
                 "--at", "4:speed=0.4", "--at", "5:stop-stand", "--rate", "250"])
    clean_run(s, "wave with pause, resume, speed, stop")
    check(s.get("final_activity") == "idle", "stop-stand ends idle")
    s = summary([wave, "--fast", "--loop", "2", "--speed", "1.5", "--blend-out"])
    clean_run(s, "wave twice at 1.5x with blend-out")
    s = summary([wave, "--fast", "--at", "2:estop", "--at", "2.5:release"])
    check(s.get("faults_seen") == 1 and s.get("final_activity") == "idle",
          "e-stop and release: damping, then idle")
    s = summary([wave, "--fast", "--at", "2:estop"])
    check(s.get("final_activity") == "damping", "e-stop without release stays damping")

    # Full-body: needs the package's permission and the runtime's.
    run([wave, "--fast", "--mode", "full", "--allow-full-body"], 3, "full-body permission")
    run([go2, "--fast"], 3, "not allowed")
    s = summary([go2, "--fast", "--allow-full-body", "--loop", "2", "--start-pose", "random"])
    check(s.get("robot") == "go2" and s.get("mode") == "full", "go2: full mode")
    clean_run(s, "go2 full body")
    run([go2, "--fast", "--mode", "arm"], 2, "upper-body channel")
    run([wave, "--fast", "--robot", "h1"], 3, "not made for robot 'h1'")
    run([wave, "--fast", "--motion", "jump"], 1, "jump")

    # The watchdog: the simulated robot goes silent after a second.
    run([wave, "--fast", "--option", "freeze_after=1"], 1, "watchdog")

    # Bad command lines.
    run([wave, "--rate", "5000"], 2, "--rate")
    run([wave, "--speed", "3"], 2, "--speed")
    run([wave, "--loop", "0"], 2, "--loop")
    run([wave, "--at", "1:jump"], 2, "unknown action")
    run([wave, "--warp"], 2, "unknown option")
    run([wave, "--backend", "nope", "--fast"], 2, "--fast needs the sim backend")
    run([wave, "--backend", "nope"], 2, "unknown backend 'nope'")
    run([wave, "--option", "latency=2", "--fast"], 2, "unknown option 'latency'")
    run([os.path.join(work, "missing.mpk"), "--fast"], 1, "missing.mpk")
    run([], 2, "which package")

    # A recording, read back independently: every command inside the limits, legs never driven.
    rec = os.path.join(work, "wave.rec")
    s = summary([wave, "--fast", "--record", rec, "--start-pose", "random", "--seed", "9"])
    model, n, rate, flags, dropped, commands, states = read_recording(rec)
    check(model == "g1-29dof" and n == 29 and rate == 500, "recording header")
    check(flags & 1 == 1 and dropped == 0, "recording complete, nothing dropped")
    check(len(commands) >= s.get("ticks", 0) and len(states) >= s.get("ticks", 0),
          "a command and a state per tick (%d, %d)" % (len(commands), len(states)))
    legs = range(0, 12)
    check(all(c["enable"][j] == 0 for c in commands for j in legs), "arm mode never drives a leg")
    check(all(c["channel"] == 1 for c in commands), "arm mode: upper-body channel")
    check(all(0 <= c["weight"] <= 1 for c in commands), "weight within 0..1")
    steps = [abs(b["q"][j] - a["q"][j]) for a, b in zip(commands, commands[1:])
             for j in range(12, 29) if a["enable"][j] and b["enable"][j] and a["kp"][j] > 0
             and b["kp"][j] > 0]
    check(steps and max(steps) <= 37 * 0.002 * (1 + 1e-9), "no joint moves faster than its limit")

    # Long option values are taken whole: a start pose written with full precision (over 512
    # bytes for 29 joints) and a recording deep in a folder tree (a path over 1024 bytes).
    robot = json.loads(subprocess.run([MPK, "robot", "show", "g1-29dof", "--json"],
                                      capture_output=True, text=True, check=True).stdout)
    pose = ",".join("%.17g" % (j["stand"] + 1e-9) for j in robot["joints"])
    s = summary([wave, "--fast", "--start-pose", pose])
    check(len(pose) > 512, "the precise pose is long (%d bytes)" % len(pose))
    clean_run(s, "wave from a precise start pose")
    deep = os.path.join(work, *(["d" * 200] * 6))
    os.makedirs(deep)
    rec = os.path.join(deep, "deep.rec")
    run([wave, "--fast", "--record", rec], 0)
    check(os.path.isfile(rec) and read_recording(rec)[0] == "g1-29dof",
          "recording at a %d-byte path" % len(rec))

    # mpk play runs the same program.
    s = summary(["play", wave, "--fast"], program=MPK)
    clean_run(s, "mpk play")
    run(["play"], 2, "which package", program=MPK)

    # Real time, briefly: the thread, its wake-up latency figures.
    s = summary([wave, "--at", "1.5:stop"])
    check(s.get("ticks", 0) > 500 and s.get("wakeup_ns", {}).get("max", 0) > 0,
          "real time: the loop ran and measured its wake-ups")

    subprocess.run(["rm", "-rf", work])
    if failures:
        sys.exit("%d failure(s): %s" % (len(failures), "; ".join(failures)))
    print("all passed")


if __name__ == "__main__":
    main()
