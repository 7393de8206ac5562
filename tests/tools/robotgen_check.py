#!/usr/bin/env python3
"""Tests of tools/robotgen.

  robotgen_check.py copies   the URDFs in tools/robotgen/urdf are byte-identical to the shared
                             originals in $MS_SHARED_DIR/robots/urdf; skips (77) unless
                             MS_SHARED_DIR names them (nothing reads ../shared by itself: a
                             clean clone has no such folder)
  robotgen_check.py errors   bad specs and URDFs are refused with a message naming the file and
                             field, exit 1, and the output file is left as it was
"""
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
SRC = os.environ["MS_SOURCE_DIR"]
ROBOTGEN = os.path.join(os.environ["MS_BIN_DIR"], "robotgen")
MODELS = os.path.join(SRC, "tools", "robotgen", "models")
URDF = os.path.join(SRC, "tools", "robotgen", "urdf")


def copies():
    shared = os.environ.get("MS_SHARED_DIR")
    if not shared:
        print("skipped: set MS_SHARED_DIR to the shared folder to compare the URDF copies")
        return SKIP
    original = os.path.join(shared, "robots", "urdf")
    if not os.path.isdir(original):
        print(f"skipped: {original} is not on this machine")
        return SKIP
    names = sorted(os.listdir(original))
    ours = sorted(os.listdir(URDF))
    if names != ours:
        print(f"FAIL: files differ: shared {names}, ours {ours}")
        return 1
    bad = [n for n in names if not filecmp.cmp(os.path.join(original, n), os.path.join(URDF, n),
                                               shallow=False)]
    if bad:
        print(f"FAIL: not byte-identical to {original}: {bad}")
        return 1
    print(f"{len(names)} files identical to {original}")
    return 0


failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def workspace(tmp):
    """A private copy of the specs and URDFs that a case may break."""
    specs, urdf = os.path.join(tmp, "models"), os.path.join(tmp, "urdf")
    shutil.rmtree(specs, ignore_errors=True)
    shutil.rmtree(urdf, ignore_errors=True)
    shutil.copytree(MODELS, specs)
    shutil.copytree(URDF, urdf)
    return specs, urdf


def edit(path, old, new, count=1):
    with open(path) as f:
        text = f.read()
    if old not in text:
        raise AssertionError(f"{path}: {old!r} not found (the test case is out of date)")
    with open(path, "w") as f:
        f.write(text.replace(old, new, count))


def generate(specs, urdf, out):
    p = subprocess.run([ROBOTGEN, "--specs", specs, "--urdf", urdf, "--out", out],
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stderr


def errors():
    base = os.environ.get("MS_TEST_TMP") or tempfile.gettempdir()
    os.makedirs(base, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="robotgen.", dir=base)
    try:
        out = os.path.join(tmp, "robots_generated.c")
        specs, urdf = workspace(tmp)
        rc, err = generate(specs, urdf, out)
        check(rc == 0, f"a clean copy generates: {err}")
        with open(out) as f:
            good = f.read()
        with open(os.path.join(SRC, "sdk", "src", "robots_generated.c")) as f:
            check(f.read() == good, "the clean copy gives the committed table")

        g1 = "g1-29dof.json"
        cases = [
            # (file, old, new, words the message must contain)
            (g1, '"joint": "left_knee"', '"joint": "left_kneee"',
             ["g1-29dof.json", "joint 'left_kneee' is not in g1_29dof_rev_1_0.urdf"]),
            (g1, '"slot": 3, "joint"', '"slot": 2, "joint"', ["motors[3]", "slot 2 already used"]),
            (g1, '"slot": 3, "joint"', '"slot": 29, "joint"', ["arm_sdk weight slot"]),
            (g1, '"stand": 0.3', '"stand": 3.3', ["left_knee", "outside its limits"]),
            (g1, '"kp": 100', '"kp": -1', ["motors[3].kp", "between 0 and 5000"]),
            (g1, '"kd": 2', '"kd": "2"', ["motors[3].kd", "must be a number"]),
            (g1, '"humanoid": true', '"humanoid": true, "humanoids": true',
             ["unknown key 'humanoids'"]),
            (g1, '"dds_family": "hg"', '"dds_family": "hx"', ["dds_family", "\"hg\" or \"go\""]),
            (g1, '"motor_slots": 35', '"motor_slots": 20', ["hg family has 35 motor slots"]),
            (g1, '"right": "right_"', '"right": "rite_"',
             ["mirror twin 'rite_hip_pitch' is not a motor"]),
            (g1, '{"match": "*knee*", "group": "leg"},', '',
             ["joint 'left_knee': no rule in groups matches it"]),
            (g1, '"group": "arm"}', '"group": "hand"}', ["group must be"]),
            (g1, '"left_ankle_roll_link", "right', '"left_foot_link", "right',
             ["sole.links: link 'left_foot_link'"]),
            (g1, '"urdf": "g1_29dof_rev_1_0.urdf"', '"urdf": "../g1.urdf"', ["urdf", "file name"]),
            (g1, ',\n    {"slot": 28, "joint": "right_wrist_yaw", "kp": 40, "kd": 1, "stand": 0}', '',
             ["revolute joint 'right_wrist_yaw_joint'", "has no motor slot"]),
            (g1, '"name": "Unitree G1 (29 DoF)"', '"name": "G1 \\"29\\""', ["quotes"]),
            (g1, '"id": "g1-29dof"', '"id": "g1-29"', ["does not match the file name"]),
            (g1, '{\n  "id"', '{{\n  "id"', ["g1-29dof.json:"]),
            ("models.json", '"b2"]', '"B2!"]', ["models.json", "models"]),
            ("h1.json", '"joint": "left_hip_yaw"', '"joint": "logo"', ["'logo' is not revolute"]),
            ("go2.json", '"FR_thigh", "kp": 60', '"FR_thigh", "kp": 60, "gain": 1',
             ["motors[1]", "unknown key 'gain'"]),
            # URDFs
            ("g1_29dof_rev_1_0.urdf", '<robot name="g1_29dof_rev_1_0">', '<robot name="g1">\n<x>',
             ["g1_29dof_rev_1_0.urdf:", "malformed XML"]),
            ("g1_29dof_rev_1_0.urdf", 'velocity="32"', 'velocity="fast"',
             ["left_hip_pitch_joint", "<limit velocity>", "not a finite number"]),
            ("g1_29dof_rev_1_0.urdf", 'axis xyz="0 1 0"', 'axis xyz="0 0 0"',
             ["left_hip_pitch_joint", "zero rotation axis"]),
            ("g1_29dof_rev_1_0.urdf", 'type="revolute"', 'type="prismatic"',
             ["type 'prismatic' is not supported"]),
            ("g1_29dof_rev_1_0.urdf", '<parent link="pelvis"/>\n    <child link="pelvis_contour_link"/>',
             '<parent link="pelvis"/>\n    <child link="left_knee_link"/>',
             ["already has parent joint"]),
            ("g1_29dof_rev_1_0.urdf", '<child link="left_hip_pitch_link"/>',
             '<child link="no_such_link"/>', ["child link 'no_such_link' is not defined"]),
            ("g1_29dof_rev_1_0.urdf", 'lower="-2.5307" upper="2.8798"', 'lower="2.9" upper="2.8798"',
             ["lower 2.9 > upper 2.8798"]),
            ("go2_description.urdf", 'xyz="0.1934 0.0465 0"', 'xyz="0.1934 0.0465"',
             ["FL_hip_joint", "expected 3 finite numbers"]),
        ]
        for name, old, new, words in cases:
            specs, urdf = workspace(tmp)
            path = os.path.join(specs if name.endswith(".json") else urdf, name)
            edit(path, old, new)
            with open(out, "w") as f:
                f.write("previous contents\n")
            rc, err = generate(specs, urdf, out)
            check(rc == 1, f"{name}: {new[:40]!r}: exit {rc}, expected 1 ({err.strip()})")
            for w in words:
                check(w in err, f"{name}: {new[:40]!r}: {w!r} in {err.strip()!r}")
            with open(out) as f:
                check(f.read() == "previous contents\n", f"{name}: {new[:40]!r}: output untouched")
            check(sorted(os.listdir(tmp)) == ["models", "robots_generated.c", "urdf"],
                  f"{name}: no temporary file left: {os.listdir(tmp)}")

        # --check names the first differing line; the command line is checked.
        specs, urdf = workspace(tmp)
        with open(out, "w") as f:
            f.write(good.replace(".kp = 60", ".kp = 61", 1))
        p = subprocess.run([ROBOTGEN, "--specs", specs, "--urdf", urdf, "--check", out],
                           capture_output=True, text=True)
        line = good[:good.index(".kp = 60")].count("\n") + 1
        check(p.returncode == 1 and f"from line {line} on" in p.stderr and "regen-robots" in
              p.stderr, f"--check on an edited table: {p.returncode} {p.stderr!r}")
        for args in (["--specs", specs], ["--bogus"], ["--specs", specs, "--urdf", urdf],
                     ["--specs", specs, "--urdf", urdf, "--out", out, "--check", out]):
            p = subprocess.run([ROBOTGEN, *args], capture_output=True, text=True)
            check(p.returncode == 2 and "usage: robotgen" in p.stderr, f"usage error for {args}")
        p = subprocess.run([ROBOTGEN, "--help"], capture_output=True, text=True)
        check(p.returncode == 0 and "usage: robotgen" in p.stdout, "--help")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("robotgen errors: all checks passed")
    return 0


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "copies":
        sys.exit(copies())
    if mode == "errors":
        sys.exit(errors())
    print(__doc__, file=sys.stderr)
    sys.exit(2)
