"""The README's first command, tools/demo, run as a new user runs it (on this build's programs):
it must end with exit 0 after publishing the example packages to a local store, pairing with
motiond, installing the wave through the API with its progress, playing it to the end and shutting
everything down cleanly, leaving no temporary folder and no program behind. A demo that cannot
finish (a package not in the catalog) exits 1 with the reason, and still stops every program."""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import motiond_testlib as T  # noqa: E402
from motiond_testlib import WAVE, check  # noqa: E402

DEMO = os.path.join(T.SRC, "tools", "demo")


def demo(tmp, *args, timeout=240):
    env = dict(os.environ, TMPDIR=tmp)
    return subprocess.run([sys.executable, DEMO, "--build-dir", T.BUILD, *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


def programs_under(path):
    """Processes whose command line names path (what the demo started there)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if path in cmd:
            found.append(f"{pid}: {cmd.strip()}")
    return found


def test_whole_story(tmp):
    r = demo(tmp)
    out = r.stdout
    print(out)
    check(r.returncode == 0, f"tools/demo exits 0 ({r.returncode}: {r.stderr.strip()[-500:]})")
    pkgs = T.example_packages()
    check(out.count(" verified  robots: ") == len(pkgs),
          f"every example package is verified against the example key ({len(pkgs)})")
    check(out.count(": published") == len(pkgs), "and published to the local store")
    check(re.search(r"pairing code: \d{6}", out) and "\u2588\u2588" in out,
          "motiond shows its pairing code and QR code")
    check(re.search(r"POST /api/v1/pair \{code: \d{6}\} -> token mdt_", out), "the phone pairs")
    m = re.search(r"catalog for g1-29dof: (\d+) of (\d+) packages fit this robot", out)
    check(m and 0 < int(m.group(1)) < int(m.group(2)) == len(pkgs),
          "the catalog shows this robot's packages only")
    bars = re.findall(r"\] +([\d.]+)%  (\w+) +(\w+)", out.split("== 5.")[1].split("== 6.")[0])
    check(len(bars) >= 3 and bars[-1][:2] == ("100.0", "done") and
          [float(b[0]) for b in bars] == sorted(float(b[0]) for b in bars),
          f"the install's progress grows to 100% done ({bars})")
    check(f"installed {WAVE} 1.0.0: motion 'wave'" in out, "the wave is installed")
    play = out.split("== 6.")[1].split("== 7.")[0]
    order = [w for w in ("blend-in", "started", "playing", "finished", "robot idle") if w in play]
    idx = [play.index(w) for w in order]
    check(order == ["blend-in", "started", "playing", "finished", "robot idle"] and idx == sorted(idx),
          f"playback is told in order: blend-in, started, positions, finished, idle ({order})")
    check("activity idle, faults none" in out and "0 e-stops" in out, "the final state is idle, no fault")
    check("motiond: exit 0 (stopped cleanly)" in out and "mstore-server: exit 0" in out,
          "motiond and the store shut down cleanly")
    check("temporary folder removed" in out and
          not [d for d in os.listdir(tmp) if d.startswith("motionstore-demo.")],
          "the temporary folder is gone")


def test_failure_cleans_up(tmp):
    r = demo(tmp, "--package", "org.example.not-in-the-store")
    check(r.returncode == 1 and "is not in the catalog" in r.stderr,
          f"a demo that cannot finish exits 1 with the reason ({r.returncode}: "
          f"{r.stderr.strip()[-300:]})")
    m = re.search(r"files kept in (\S+)", r.stdout)
    check(m is not None, "and keeps its files to look at")
    if m:
        left = programs_under(m.group(1))
        check(not left, f"no program it started is left running ({left})")
        T.shutil.rmtree(m.group(1), ignore_errors=True)


def main():
    os.makedirs(T.TMP, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="motiond-demo.", dir=T.TMP)
    try:
        test_whole_story(tmp)
        test_failure_cleans_up(tmp)
    finally:
        if not T.FAILURES:
            T.shutil.rmtree(tmp, ignore_errors=True)
    T.finish()


if __name__ == "__main__":
    main()
