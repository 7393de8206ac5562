#!/usr/bin/env python3
"""The control loop's thread makes no system call while it runs but its sleep.

Issue 4 asks for no allocation, no lock a slower thread can hold and no I/O inside a tick other
than the backend write. A lock another thread holds makes the loop wait in futex(); I/O, logging
and allocation that reach the kernel are system calls too. So motion-play plays the example wave
under strace (one trace file per thread), with every control a phone can send (speed, pause,
resume, stop, e-stop and release), on the in-process simulator and on the record backend (whose
file writes belong to its own writer thread). The loop thread is the one that sleeps with
clock_nanosleep(TIMER_ABSTIME) once per tick; between its first and its last sleep, that sleep must
be the only system call it makes. The other threads are allowed anything.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

BIN = os.environ["MS_BIN_DIR"]
BUILD = os.environ["MS_BINARY_DIR"]
TMP = os.environ.get("MS_TEST_TMP", "/tmp")
PLAY = os.path.join(BIN, "motion-play")
CONTROLS = ["--at", "1:speed=1.5", "--at", "1.5:pause", "--at", "2:resume", "--at", "2.5:estop",
            "--at", "2.8:release", "--at", "3:stop"]
SYSCALL = re.compile(r"^(?:\d+:\d+:\d+\.\d+ )?([a-z_0-9]+)\(")
failures = []


def check(cond, what):
    print("%s %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        failures.append(what)


def calls(path):
    """The system calls of one thread's trace, in order."""
    out = []
    with open(path) as f:
        for line in f:
            m = SYSCALL.match(line)
            if m:
                out.append((m.group(1), line.strip()))
    return out


def loop_thread(traces):
    """The trace of the thread that sleeps to absolute deadlines most often."""
    best, best_n = None, 0
    for path in traces:
        seq = calls(path)
        n = sum(1 for name, line in seq if name == "clock_nanosleep" and "TIMER_ABSTIME" in line)
        if n > best_n:
            best, best_n = seq, n
    return best, best_n


def trace_play(work, name, extra):
    prefix = os.path.join(work, name, "t")
    os.makedirs(os.path.dirname(prefix))
    cmd = ["strace", "-f", "-ff", "-qq", "-o", prefix, PLAY, WAVE, "--quiet", *CONTROLS, *extra]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    # The e-stop is released and the stop completes: motion-play exits 0.
    check(p.returncode == 0, "%s: motion-play under strace exits 0 (%d)\n%s" %
          (name, p.returncode, p.stdout + p.stderr))
    seq, sleeps = loop_thread(glob.glob(prefix + ".*"))
    # 3 s of playing and the stop at 500 Hz: well over 1000 ticks, each one sleep.
    check(sleeps > 1000, "%s: the loop thread slept to an absolute deadline %d times" %
          (name, sleeps))
    if not seq:
        return
    idx = [i for i, (n, line) in enumerate(seq) if n == "clock_nanosleep"]
    between = [line for n, line in seq[idx[0]:idx[-1] + 1] if n != "clock_nanosleep"]
    check(not between, "%s: no system call but the sleep between the first and the last tick%s" %
          (name, "" if not between else ": " + "; ".join(between[:5])))
    before = sorted({n for n, _ in seq[:idx[0]]})
    print("     %s: before the first tick the loop thread called %s" % (name, ", ".join(before)))


def main():
    global WAVE
    packages = glob.glob(os.path.join(BUILD, "packages", "*g1-wave-*.mpk"))
    if not packages:
        print("the example packages are not built (cmake --build: example_packages)")
        return 1
    WAVE = packages[0]
    if not shutil.which("strace"):
        print("strace is missing: tools/setup installs it")
        return 1
    os.makedirs(TMP, exist_ok=True)
    work = tempfile.mkdtemp(prefix="loop-syscalls-", dir=TMP)
    try:
        trace_play(work, "sim", [])
        trace_play(work, "record", ["--backend", "record", "--option",
                                    "path=" + os.path.join(work, "commands.rec")])
        check(os.path.getsize(os.path.join(work, "commands.rec")) > 0,
              "record: the commands were written (by the writer thread)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("%d failed" % len(failures))
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
