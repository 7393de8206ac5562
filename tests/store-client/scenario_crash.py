"""Crash safety: the installer is killed (SIGKILL, through strace's fault injection) at every
fsync and every rename of install, upgrade, rollback and remove, one trial per call. After each
kill the robot must hold the old version or the new one, never a mixture: `mstore verify`
passes, `mstore list` names the old or the new version, and running the operation again
completes it.

MSTORE_CRASH_TRIALS_MAX bounds the trials per (operation, syscall) pair (default: all calls)."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from mstore_testlib import MSTORE, Repo, Robot, Server, check, finish, workdir  # noqa: E402

STRACE = shutil.which("strace")
if not STRACE:
    print("strace is not installed (tools/setup installs it)")
    sys.exit(1)
MAX_TRIALS = int(os.environ.get("MSTORE_CRASH_TRIALS_MAX", "100"))

base = workdir("mstore-crash")
repo = Repo(base)
v1 = repo.make_package("com.example.wave", "1.0.0", pad=20000)
v2 = repo.make_package("com.example.wave", "2.0.0", pad=30000)
repo.add(v1)
repo.add(v2)
repo.publish()
srv = Server(repo.dir)
# Each trial works on a copy of a prepared robot, so every kill starts from the same state.
template = Robot(os.path.join(base, "template"), repo.root_json(), store=srv.url)
check(template.mstore("update").returncode == 0, "template robot updated")

SYSCALLS = {"fsync": "fsync,fdatasync", "rename": "rename,renameat,renameat2"}

# (name, state before as {id: version}, command, state after)
OPS = [
    ("install", {}, ["install", "com.example.wave@1.0.0"], {"com.example.wave": "1.0.0"}),
    ("upgrade", {"com.example.wave": "1.0.0"}, ["upgrade"], {"com.example.wave": "2.0.0"}),
    ("rollback", "upgraded", ["rollback", "com.example.wave"], {"com.example.wave": "1.0.0"}),
    ("remove", {"com.example.wave": "1.0.0"}, ["remove", "com.example.wave"], {}),
]


def prepare(state):
    """A fresh robot folder in the given state."""
    path = os.path.join(base, "trial")
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(template.root, os.path.join(path, "robot"), symlinks=True)
    robot = Robot.__new__(Robot)
    robot.root = os.path.join(path, "robot")
    robot.state = os.path.join(robot.root, "var", "lib", "motionstore")
    if state == "upgraded":
        assert robot.mstore("install", "com.example.wave@1.0.0").returncode == 0
        assert robot.mstore("install", "com.example.wave@2.0.0").returncode == 0
    else:
        for pid, ver in state.items():
            assert robot.mstore("install", f"{pid}@{ver}").returncode == 0
    return robot


def killed_run(robot, cmd, syscalls, n):
    """Runs mstore with SIGKILL injected at the n-th call of the syscalls."""
    args = [STRACE, "-f", "-qq", "-o", "/dev/null", "-e", f"trace={syscalls}",
            "-e", f"inject={syscalls}:signal=KILL:when={n}",
            MSTORE, "--root", robot.root, "--quiet", *cmd]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


total = 0
for name, before, cmd, after in OPS:
    old = {"com.example.wave": "2.0.0"} if before == "upgraded" else before
    for sc, syscalls in SYSCALLS.items():
        n = 1
        while n <= MAX_TRIALS:
            robot = prepare(before)
            r = killed_run(robot, cmd, syscalls, n)
            if r.returncode == 0:
                # The n-th call never came: every call of this kind has been tried.
                check(robot.installed() == after, f"{name}/{sc}: completes without a kill")
                break
            total += 1
            state = robot.installed()
            ok_state = state in (old, after)
            v = robot.mstore("verify")
            # The operation is run again only if the kill came before its commit point.
            again = robot.mstore(*cmd) if robot.installed() != after else None
            final = robot.installed()
            v2 = robot.mstore("verify")
            good = ok_state and v.returncode == 0 and (again is None or again.returncode == 0) \
                and final == after and v2.returncode == 0
            if not good:
                check(False, f"{name}: killed at {sc} #{n} (exit {r.returncode}): state {state}, "
                             f"verify {v.returncode} {v.stdout}{v.stderr}, rerun "
                             f"{again and again.returncode} {again and again.stderr}, "
                             f"final {final}")
            else:
                print(f"ok: {name}: killed at {sc} #{n}: {'old' if state == old else 'new'} "
                      f"state, verify passes, {'the rerun completes' if again else 'done'}",
                      flush=True)
            n += 1

# A kill loop besides: SIGKILL after a random delay (fixed seed), wherever the installer is.
import random  # noqa: E402
import time  # noqa: E402

rng = random.Random(6)
RANDOM_TRIALS = int(os.environ.get("MSTORE_CRASH_RANDOM_TRIALS", "40"))
for i in range(RANDOM_TRIALS):
    name, before, cmd, after = OPS[i % len(OPS)]
    old = {"com.example.wave": "2.0.0"} if before == "upgraded" else before
    robot = prepare(before)
    p = subprocess.Popen([MSTORE, "--root", robot.root, "--quiet", *cmd],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0, 0.08))
    p.kill()
    p.wait()
    state = robot.installed()
    v = robot.mstore("verify")
    again = robot.mstore(*cmd) if robot.installed() != after else None
    good = state in (old, after) and v.returncode == 0 and \
        (again is None or again.returncode == 0) and robot.installed() == after
    total += 1
    check(good, f"{name}: random kill #{i}: state {state}, verify {v.returncode}, "
                f"rerun {again and again.returncode}")

check(total >= 20, f"{total} crash trials ran")
print(f"crash trials: {total}")
srv.stop()
finish()
