#!/usr/bin/env python3
"""CLI tests of `mpk robots`, `mpk robot show` and `mpk robot fk`.

The expected values come from sources independent of robotgen and libmpk: the URDFs read here with
ElementTree, the SDK motor orders written out below from Unitree's documentation
(../shared/robots/README.md), and forward kinematics computed here in plain Python.
"""
import json
import math
import os
import random
import subprocess
import sys
import xml.etree.ElementTree as ET

SRC = os.environ["MS_SOURCE_DIR"]
MPK = os.path.join(os.environ["MS_BIN_DIR"], "mpk")
URDF_DIR = os.path.join(SRC, "tools", "robotgen", "urdf")

G1_LEG = ["hip_pitch", "hip_roll", "hip_yaw", "knee", "ankle_pitch", "ankle_roll"]
G1_ARM = ["shoulder_pitch", "shoulder_roll", "shoulder_yaw", "elbow", "wrist_roll", "wrist_pitch",
          "wrist_yaw"]
H12_LEG = ["hip_yaw", "hip_pitch", "hip_roll", "knee", "ankle_pitch", "ankle_roll"]


def side(s, names):
    return [s + "_" + n for n in names]


def slots(names, first=0):
    return list(zip(range(first, first + len(names)), names))


# (slot, joint) in SDK motor order, per model: the facts the generated table must reproduce.
EXPECTED = {
    "g1-29dof": dict(urdf="g1_29dof_rev_1_0.urdf", family="hg", slots=35, weight=29, mm=5,
                     humanoid=True, period=0.002,
                     motors=slots(side("left", G1_LEG) + side("right", G1_LEG) +
                                  ["waist_yaw", "waist_roll", "waist_pitch"] +
                                  side("left", G1_ARM) + side("right", G1_ARM))),
    "g1-23dof": dict(urdf="g1_23dof_rev_1_0.urdf", family="hg", slots=35, weight=29, mm=4,
                     humanoid=True, period=0.002,
                     motors=slots(side("left", G1_LEG) + side("right", G1_LEG) + ["waist_yaw"]) +
                     slots(side("left", G1_ARM[:5]), 15) + slots(side("right", G1_ARM[:5]), 22)),
    "h1": dict(urdf="h1.urdf", family="go", slots=20, weight=9, mm=None, humanoid=True,
               period=0.01,
               motors=slots(["right_hip_roll", "right_hip_pitch", "right_knee", "left_hip_roll",
                             "left_hip_pitch", "left_knee", "torso", "left_hip_yaw",
                             "right_hip_yaw"]) +
               slots(["left_ankle", "right_ankle"] +
                     side("right", ["shoulder_pitch", "shoulder_roll", "shoulder_yaw", "elbow"]) +
                     side("left", ["shoulder_pitch", "shoulder_roll", "shoulder_yaw", "elbow"]),
                     10)),
    "h1-2": dict(urdf="h1_2_handless.urdf", family="hg", slots=35, weight=27, mm=None,
                 humanoid=True, period=0.002,
                 motors=slots(side("left", H12_LEG) + side("right", H12_LEG) + ["torso"] +
                              side("left", G1_ARM) + side("right", G1_ARM))),
    "go2": dict(urdf="go2_description.urdf", family="go", slots=20, weight=None, mm=None,
                humanoid=False, period=0.002,
                motors=slots([f"{leg}_{j}" for leg in ("FR", "FL", "RR", "RL")
                              for j in ("hip", "thigh", "calf")])),
    "b2": dict(urdf="b2_description.urdf", family="go", slots=20, weight=None, mm=None,
               humanoid=False, period=0.002,
               motors=slots([f"{leg}_{j}" for leg in ("FR", "FL", "RR", "RL")
                             for j in ("hip", "thigh", "calf")])),
}

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def close(a, b, tol=1e-9):
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def run(*args):
    p = subprocess.run([MPK, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


# ---------- URDF, read independently ----------

def vec(text, default):
    return [float(x) for x in text.split()] if text is not None else list(default)


def read_urdf(name):
    root = ET.parse(os.path.join(URDF_DIR, name)).getroot()
    links = [l.get("name") for l in root.findall("link")]
    joints = {}
    for j in root.findall("joint"):
        o, a, lim = j.find("origin"), j.find("axis"), j.find("limit")
        axis = vec(a.get("xyz") if a is not None else None, (1, 0, 0))
        n = math.sqrt(sum(x * x for x in axis))
        joints[j.get("name")] = dict(
            type=j.get("type"), parent=j.find("parent").get("link"),
            child=j.find("child").get("link"),
            xyz=vec(o.get("xyz") if o is not None else None, (0, 0, 0)),
            rpy=vec(o.get("rpy") if o is not None else None, (0, 0, 0)),
            axis=[x / n for x in axis] if j.get("type") == "revolute" else [0, 0, 0],
            limit={k: float(lim.get(k)) for k in ("lower", "upper", "velocity", "effort")}
            if lim is not None else None)
    return links, joints


# ---------- forward kinematics, written here from the URDF convention ----------

def matmul(a, b):
    return [[sum(a[r][k] * b[k][c] for k in range(3)) for c in range(3)] for r in range(3)]


def matvec(a, v):
    return [sum(a[r][k] * v[k] for k in range(3)) for r in range(3)]


def rot_x(t):
    c, s = math.cos(t), math.sin(t)
    return [[1, 0, 0], [0, c, -s], [0, s, c]]


def rot_y(t):
    c, s = math.cos(t), math.sin(t)
    return [[c, 0, s], [0, 1, 0], [-s, 0, c]]


def rot_z(t):
    c, s = math.cos(t), math.sin(t)
    return [[c, -s, 0], [s, c, 0], [0, 0, 1]]


def rot_axis(a, t):
    # Compose from a frame that maps z onto the axis: R = F * Rz(t) * F^T.
    x, y, z = a
    helper = [1, 0, 0] if abs(x) < 0.9 else [0, 1, 0]
    u = [helper[1] * z - helper[2] * y, helper[2] * x - helper[0] * z, helper[0] * y - helper[1] * x]
    n = math.sqrt(sum(c * c for c in u))
    u = [c / n for c in u]
    v = [y * u[2] - z * u[1], z * u[0] - x * u[2], x * u[1] - y * u[0]]
    f = [[u[0], v[0], x], [u[1], v[1], y], [u[2], v[2], z]]
    ft = [[f[c][r] for c in range(3)] for r in range(3)]
    return matmul(matmul(f, rot_z(t)), ft)


def quat_rot(qx, qy, qz, qw):
    n = math.sqrt(qx * qx + qy * qy + qz * qz + qw * qw)
    qx, qy, qz, qw = qx / n, qy / n, qz / n, qw / n
    # Rotation as the product of the quaternion's action on the basis vectors.
    def rotate(v):
        # v' = v + 2w (q x v) + 2 q x (q x v)
        q = [qx, qy, qz]
        c1 = [q[1] * v[2] - q[2] * v[1], q[2] * v[0] - q[0] * v[2], q[0] * v[1] - q[1] * v[0]]
        c2 = [q[1] * c1[2] - q[2] * c1[1], q[2] * c1[0] - q[0] * c1[2], q[0] * c1[1] - q[1] * c1[0]]
        return [v[i] + 2 * qw * c1[i] + 2 * c2[i] for i in range(3)]
    cols = [rotate([1, 0, 0]), rotate([0, 1, 0]), rotate([0, 0, 1])]
    return [[cols[c][r] for c in range(3)] for r in range(3)]


def python_fk(urdf, q, root=(0, 0, 0, 0, 0, 0, 1)):
    links, joints = urdf
    by_child = {j["child"]: (name, j) for name, j in joints.items()}
    world = {}

    def pose(link):
        if link in world:
            return world[link]
        if link not in by_child:
            world[link] = (list(root[:3]), quat_rot(*root[3:]))
            return world[link]
        name, j = by_child[link]
        p, r = pose(j["parent"])
        origin = matmul(matmul(rot_z(j["rpy"][2]), rot_y(j["rpy"][1])), rot_x(j["rpy"][0]))
        r2 = matmul(r, origin)
        if j["type"] == "revolute":
            r2 = matmul(r2, rot_axis(j["axis"], q.get(name[:-len("_joint")], 0.0)))
        d = matvec(r, j["xyz"])
        world[link] = ([p[i] + d[i] for i in range(3)], r2)
        return world[link]

    return {l: pose(l) for l in links}


# ---------- mpk robots ----------

def test_robots():
    rc, out, err = run("robots")
    check(rc == 0, f"mpk robots exit {rc}: {err}")
    for mid in EXPECTED:
        check(any(line.split()[:1] == [mid] for line in out.splitlines()),
              f"mpk robots lists {mid}")
    rc, out, err = run("robots", "--json")
    check(rc == 0, f"mpk robots --json exit {rc}: {err}")
    lst = json.loads(out)
    check([m["id"] for m in lst] == list(EXPECTED), f"model ids in order: {[m['id'] for m in lst]}")
    for m in lst:
        e = EXPECTED[m["id"]]
        check(m["dds_family"] == e["family"], f"{m['id']} dds_family")
        check(m["motor_slots"] == e["slots"], f"{m['id']} motor_slots")
        check(m["weight_slot"] == e["weight"], f"{m['id']} weight_slot {m['weight_slot']}")
        check(m["mode_machine"] == e["mm"], f"{m['id']} mode_machine {m['mode_machine']}")
        check(m["humanoid"] is e["humanoid"], f"{m['id']} humanoid")
        check(close(m["control_period"], e["period"]), f"{m['id']} control_period")
        check(m["joint_count"] == len(e["motors"]), f"{m['id']} joint_count")
        check(m["urdf"] == e["urdf"], f"{m['id']} urdf")
        check(0.2 < m["stand_height"] < 1.5, f"{m['id']} stand_height {m['stand_height']}")
    rc, out, err = run("robots", "--bogus")
    check(rc == 2 and "--bogus" in err, f"mpk robots --bogus: exit {rc}, {err!r}")
    rc, out, err = run("robots", "--help")
    check(rc == 0 and "usage: mpk robots" in out, "mpk robots --help")


# ---------- mpk robot show ----------

def test_show(mid, e):
    links, joints = urdf = read_urdf(e["urdf"])
    rc, out, err = run("robot", "show", mid, "--json")
    check(rc == 0, f"show {mid} --json exit {rc}: {err}")
    m = json.loads(out)
    check([(j["motor"], j["name"]) for j in m["joints"]] == e["motors"], f"{mid}: SDK motor order")
    revolute = sorted(n[:-len("_joint")] for n, j in joints.items() if j["type"] == "revolute")
    check(sorted(j["name"] for j in m["joints"]) == revolute,
          f"{mid}: the actuated joints are exactly the URDF's revolute joints")
    used = {j["motor"] for j in m["joints"]}
    check(len(used) == len(m["joints"]) and all(0 <= s < e["slots"] for s in used),
          f"{mid}: motor slots unique and inside motor_cmd[]")
    check(e["weight"] is None or e["weight"] not in used, f"{mid}: weight slot unused by motors")
    for j in m["joints"]:
        u = joints[j["name"] + "_joint"]
        for k in ("lower", "upper", "velocity", "effort"):
            check(close(j[k], u["limit"][k], 1e-12), f"{mid}.{j['name']}.{k}")
        check(j["lower"] <= j["stand"] <= j["upper"], f"{mid}.{j['name']}: stand within limits")
        check(j["acceleration"] > 0 and j["jerk"] > 0, f"{mid}.{j['name']}: acc/jerk set")
        check(j["kp"] > 0 and j["kd"] > 0, f"{mid}.{j['name']}: gains set")
        check(j["link"] == u["child"], f"{mid}.{j['name']}: moves {u['child']}")
        twin = next(t for t in m["joints"] if t["name"] == j["mirror"])
        check(twin["mirror"] == j["name"] and twin["mirror_sign"] == j["mirror_sign"],
              f"{mid}.{j['name']}: mirror is symmetric")
        if not e["humanoid"]:
            check(j["group"] == "leg", f"{mid}.{j['name']}: quadruped joints are legs")
    # The tree: every URDF link once, parents first, origins and axes as in the URDF.
    check(sorted(l["name"] for l in m["links"]) == sorted(links), f"{mid}: every URDF link")
    seen = set()
    for i, l in enumerate(m["links"]):
        if i == 0:
            check(l["parent"] is None and l["joint"] is None, f"{mid}: links[0] is the root")
        else:
            check(l["parent"] in seen, f"{mid}: {l['name']} after its parent")
            u = joints[l["joint"]]
            check(u["child"] == l["name"] and u["parent"] == l["parent"], f"{mid}.{l['joint']}")
            check(l["type"] == u["type"], f"{mid}.{l['joint']}: type")
            for k in ("xyz", "rpy", "axis"):
                check(all(close(a, b, 1e-12) for a, b in zip(l[k], u[k])),
                      f"{mid}.{l['joint']}.{k}: {l[k]} vs {u[k]}")
        seen.add(l["name"])

    rc, out, err = run("robot", "show", mid)
    check(rc == 0, f"show {mid} exit {rc}")
    check(out.startswith(f"{mid}: "), f"show {mid}: header")
    rows = [line.split() for line in out.splitlines() if line[:4].strip().isdigit()]
    check([(int(r[0]), r[1]) for r in rows] == e["motors"], f"show {mid}: table in motor order")
    for r in rows:
        j = next(x for x in m["joints"] if x["name"] == r[1])
        check(r[2] == j["group"] and r[3] == j["side"], f"show {mid}: {r[1]} group/side")
        check(close(float(r[4]), j["lower"], 1e-3) and close(float(r[5]), j["upper"], 1e-3),
              f"show {mid}: {r[1]} limits")
        check(close(float(r[10]), j["stand"], 1e-3), f"show {mid}: {r[1]} stand")
    return m, urdf


# ---------- mpk robot fk ----------

def fk(mid, *args):
    rc, out, err = run("robot", "fk", mid, *args)
    check(rc == 0, f"fk {mid} {args}: exit {rc}: {err}")
    return json.loads(out) if rc == 0 else None, err


def compare_fk(mid, got, want, what):
    for l in got["links"]:
        p, r = want[l["name"]]
        check(all(abs(a - b) < 1e-9 for a, b in zip(l["position"], p)),
              f"{mid} {what}: {l['name']} position {l['position']} vs {p}")
        check(all(abs(l["rotation"][i][k] - r[i][k]) < 1e-9 for i in range(3) for k in range(3)),
              f"{mid} {what}: {l['name']} rotation")
        qr = quat_rot(*l["quaternion"])
        check(all(abs(qr[i][k] - r[i][k]) < 1e-9 for i in range(3) for k in range(3)),
              f"{mid} {what}: {l['name']} quaternion agrees with the matrix")


def test_fk(mid, model, urdf):
    rng = random.Random(mid)
    got, _ = fk(mid)
    compare_fk(mid, got, python_fk(urdf, {}), "zero pose")
    got, _ = fk(mid, "--stand")
    compare_fk(mid, got, python_fk(urdf, {j["name"]: j["stand"] for j in model["joints"]}),
               "standing pose")
    check(got and all(close(got["q"][j["name"]], j["stand"]) for j in model["joints"]),
          f"{mid} --stand sets q")
    q = {j["name"]: rng.uniform(j["lower"], j["upper"]) for j in model["joints"]}
    root = [0.3, -0.2, 0.9] + [rng.uniform(-1, 1) for _ in range(4)]
    args = []
    for name, v in q.items():
        args += ["--q", f"{name}={v!r}"]
    args += ["--root", ",".join(repr(x) for x in root)]
    got, _ = fk(mid, *args)
    compare_fk(mid, got, python_fk(urdf, q, root), "random pose with root")


def test_errors():
    def bad(args, code, words):
        rc, out, err = run(*args)
        check(rc == code, f"{args}: exit {rc}, expected {code} ({err.strip()})")
        for w in words:
            check(w in err, f"{args}: {w!r} in {err!r}")
        check(out == "", f"{args}: nothing on stdout")

    bad(["robot", "show", "g7"], 2, ["unknown robot model 'g7'", "g1-29dof", "b2"])
    bad(["robot", "fk", "nosuch"], 2, ["unknown robot model 'nosuch'"])
    bad(["robot", "show"], 2, ["missing MODEL"])
    bad(["robot", "fk"], 2, ["missing MODEL"])
    bad(["robot"], 2, ["usage: mpk robot"])
    bad(["robot", "dance", "go2"], 2, ["unknown subcommand 'dance'"])
    bad(["robot", "show", "go2", "--yaml"], 2, ["unknown option '--yaml'"])
    bad(["robot", "fk", "go2", "--q", "FL_elbow=1"], 2, ["go2 has no joint 'FL_elbow'"])
    bad(["robot", "fk", "go2", "--q", "FL_thigh=abc"], 2, ["'abc' is not a finite number"])
    bad(["robot", "fk", "go2", "--q", "FL_thigh=nan"], 2, ["'nan' is not a finite number"])
    bad(["robot", "fk", "go2", "--q", "FL_thigh=1e999"], 2, ["is not a finite number"])
    bad(["robot", "fk", "go2", "--q", "FL_thigh"], 2, ["expected JOINT=VALUE"])
    bad(["robot", "fk", "go2", "--q", "FL_thigh=1", "--q", "FL_thigh=2"], 2, ["given twice"])
    bad(["robot", "fk", "go2", "--q"], 2, ["--q needs a value"])
    bad(["robot", "fk", "go2", "--root", "1,2"], 2, ["expected 3 or 7 numbers"])
    bad(["robot", "fk", "go2", "--root", "1,2,3,0,0,0,0"], 2, ["quaternion is zero"])
    bad(["robot", "fk", "go2", "--root", "1,2,x"], 2, ["--root '1,2,x'"])
    for args in (["robot", "--help"], ["robot", "show", "--help"], ["robot", "fk", "--help"]):
        rc, out, err = run(*args)
        check(rc == 0 and "usage: mpk robot" in out and "fk" in out, f"{args}")
    # Outside the limits is still geometry: computed, with a warning.
    rc, out, err = run("robot", "fk", "go2", "--q", "FL_calf=0.5")
    check(rc == 0 and "outside its limits" in err and json.loads(out)["q"]["FL_calf"] == 0.5,
          "fk outside limits warns and computes")
    # A 3-number root is a position with identity orientation; options may precede the model.
    rc, out, err = run("robot", "fk", "--root", "1,2,3", "b2")
    check(rc == 0 and json.loads(out)["links"][0]["position"] == [1.0, 2.0, 3.0]
          and json.loads(out)["links"][0]["quaternion"] == [0.0, 0.0, 0.0, 1.0], "--root X,Y,Z")


def main():
    test_robots()
    for mid, e in EXPECTED.items():
        model, urdf = test_show(mid, e)
        test_fk(mid, model, urdf)
    test_errors()
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("cli_robot: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
