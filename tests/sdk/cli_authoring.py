#!/usr/bin/env python3
"""Scenario tests of the authoring commands: mpk init, new-motion, add-asset, import, validate,
retime and build (with its thumbnail), on real files with the real programs.

Every bad input must give a clear message (file and line/column or field path), the documented
exit code (1 failure, 2 usage, 3 invalid), and leave the project exactly as it was. Unitree CSVs
are generated here; H1's joint order is read from the URDF itself (tools/robotgen/urdf/h1.urdf),
independently of the import's own table.
"""
import hashlib
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile

from mpktest import BIN, EXAMPLE_KEY, MPK, SRC, check, run


def snapshot(folder):
    """Every file under folder with its SHA-256: what 'nothing changed' compares."""
    out = {}
    for root, _, files in os.walk(folder):
        for f in files:
            path = os.path.join(root, f)
            out[os.path.relpath(path, folder)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    return out


def model(robot):
    out, _ = run("robot", "show", robot, "--json")
    return json.loads(out)


def png_size(data):
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "a PNG")
    return struct.unpack(">II", data[16:24])


def manifest_of(pkg):
    out, _ = run("inspect", "--json", pkg)
    return json.loads(out)["manifest"]


# ---- Unitree CSVs ----

def urdf_joint_order(urdf):
    """Revolute joints in the order of the URDF file, without "_joint"."""
    text = open(urdf).read()
    return [m.group(1)[:-len("_joint")] for m in
            re.finditer(r'<joint name="([^"]+)" type="revolute"', text)]


def joint_curve(name, t, stand, lo, hi):
    """Each joint its own gentle swing around its standing position (by name, so a column put in
    the wrong place shows)."""
    phase = (sum(map(ord, name)) % 97) / 97.0 * 2 * math.pi
    mid = min(max(stand, lo + 0.2), hi - 0.2)
    return mid + 0.1 * math.sin(2 * math.pi * 0.3 * t + phase)


def unitree_csv(robot, order, seconds=4.0, fast=None):
    """A Unitree-layout CSV: 30 rows per second, root x y z, quaternion x y z w, joints in order.
    fast: (joint, amplitude, hz) added between 1.5 s and 2.5 s to make a part too fast."""
    joints = {j["name"]: j for j in model(robot)["joints"]}
    rows = []
    for f in range(int(seconds * 30) + 1):
        t = f / 30.0
        yaw = 0.2 * t
        row = [0.05 * t, 0.0, 0.78, 0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2)]
        for name in order:
            j = joints[name]
            v = joint_curve(name, t, j["stand"], j["lower"], j["upper"])
            if fast and name == fast[0] and 1.5 <= t <= 2.5:
                v += fast[1] * math.sin(2 * math.pi * fast[2] * (t - 1.5)) ** 2
            row.append(v)
        rows.append(",".join("%.7f" % x for x in row))
    return "\n".join(rows) + "\n"


def read_csv_track(path_or_pkg, *extra):
    out, _ = run("export-csv", path_or_pkg, *extra)
    lines = [l for l in out.splitlines() if not l.startswith("#")]
    header = lines[0].split(",")
    data = [[float(x) for x in l.split(",")] for l in lines[1:]]
    return header, data


# ---- scenarios ----

def test_init(tmp):
    os.chdir(tmp)
    run("keygen", "-o", "me.key")
    out, _ = run("init", "com.example.wave", "--robot", "g1-29dof", "--key", "me.key",
                 "--name", "en=Wave", "--name", "zh=挥手", "--description", "en=Waves.")
    check("created wave/" in out, out)
    check(sorted(os.listdir("wave")) == ["README.md", "motions", "mpk-project.json"],
          os.listdir("wave"))
    # An ordinary folder, as mkdir would make it (not the private 0700 of a temporary folder).
    umask = os.umask(0)
    os.umask(umask)
    for folder in ("wave", "wave/motions"):
        mode = os.stat(folder).st_mode & 0o777
        check(mode == 0o777 & ~umask, "%s: mode %o, umask %o" % (folder, mode, umask))
    doc = json.load(open("wave/mpk-project.json"))
    check(doc["id"] == "com.example.wave" and doc["name"] == {"en": "Wave", "zh": "挥手"}, doc)
    check(doc["key"] == "../me.key" and doc["permissions"] == [], doc)
    kf = json.load(open("wave/motions/wave.json"))
    check(kf["keyframes"][0]["pose"] == "stand" and kf["keyframes"][-1]["pose"] == "stand", kf)
    check(kf["joints"] == "upper-body", kf)
    out, _ = run("validate", "wave")
    check("wave: OK: 1 motion, 0 errors, 0 warnings" in out, out)

    # Refusals leave everything as it was.
    before = snapshot(tmp)
    _, err = run("init", "com.example.wave", "--robot", "g1-29dof", expect=1)
    check("wave: exists and is not an empty folder; nothing written" in err, err)
    _, err = run("init", "Com.Example", "--robot", "g1-29dof", expect=2)
    check("'Com.Example' is not a package id" in err, err)
    _, err = run("init", "com.example.x", "--robot", "g9", expect=2)
    check("g9" in err, err)
    _, err = run("init", "com.example.x", expect=2)
    check("--robot MODEL is missing" in err, err)
    # A folder that cannot be made: the system's reason, and nothing tacked on after it.
    _, err = run("init", "com.example.x", "--robot", "g1-29dof", "-d", "/nonexistent/x", expect=1)
    check(err.strip().endswith("/nonexistent/x: No such file or directory"), err)
    check(snapshot(tmp) == before, "refused inits changed files")
    check(not any(n.startswith(".mpk-init") for n in os.listdir(tmp)), os.listdir(tmp))

    # An empty folder is fine; a quadruped is always full-body; --full-body for a humanoid.
    os.mkdir("dog")
    run("init", "com.example.dog", "--robot", "go2", "-d", "dog")
    doc = json.load(open("dog/mpk-project.json"))
    check(doc["permissions"] == ["full-body"] and doc["category"] == "exercise", doc)
    run("validate", "dog", "--strict")
    run("init", "com.example.squat", "--robot", "h1", "--full-body")
    check(json.load(open("squat/motions/squat.json"))["joints"] == "all", "full body: all joints")
    run("validate", "squat", "--strict")
    for robot in ("g1-23dof", "h1-2", "b2"):
        run("init", "com.example.t" + robot.replace("-", ""), "--robot", robot, "-d",
            "t-" + robot)
        run("validate", "t-" + robot, "--strict")


def test_validate_retime_keyframes(tmp):
    os.chdir(tmp)
    kf = json.load(open("wave/motions/wave.json"))
    kf["keyframes"] = [
        {"time": 0, "pose": "stand"},
        {"time": 1.5, "joints": {"right_shoulder_roll": -1.25, "right_elbow": 0.35}},
        {"time": 1.6, "joints": {"right_elbow": -0.35}},
        {"time": 1.7, "joints": {"right_elbow": 0.35}},
        {"time": 3.0, "pose": "stand"},
    ]
    json.dump(kf, open("wave/motions/wave.json", "w"), indent=2)
    out, _ = run("validate", "wave", expect=3)
    check(re.search(r"error: motion 'wave': right_elbow: acceleration [-\d.]+ rad/s\^2 at 1\.\d+ s "
                    r"is more than 148 rad/s\^2", out), out)
    check("wave: INVALID: 1 motion" in out, out)
    js, _ = run("validate", "wave", "--json", expect=3)
    doc = json.loads(js)
    check(doc["errors"] >= 1 and all(f["motion"] == "wave" for f in doc["findings"]), doc)
    acc = [f for f in doc["findings"] if f["rule"] == "acceleration"][0]
    check(acc["joint"] == "right_elbow" and 1.4 < acc["time"] < 1.8 and abs(acc["value"]) > 148,
          acc)
    # Options move the bounds.
    run("validate", "wave", "--acceleration-factor", "10", "--jerk-factor", "10")
    _, err = run("validate", "wave", "--velocity-factor", "abc", expect=2)
    check("'abc' is not a number" in err, err)
    _, err = run("validate", "wave", "--velocity-factor", "0", expect=2)
    check("validation.velocity_factor" in err, err)

    # The build refuses it; --no-validate builds.
    _, err = run("build", "wave", "-o", "w.mpk", expect=3)
    check("mpk build: not built" in err and "mpk retime" in err, err)
    check(not os.path.exists("w.mpk"), "nothing built")
    run("build", "wave", "-o", "w-unchecked.mpk", "--no-validate", "--no-thumbnail")
    os.remove("w-unchecked.mpk")

    # A dry run changes nothing; retime fixes it, keeping the first segment's timing.
    before = snapshot("wave")
    out, _ = run("retime", "wave", "--dry-run")
    check("motion 'wave': 3.000 s -> " in out and "(dry run)" in out, out)
    check(snapshot("wave") == before, "dry run wrote")
    out, _ = run("retime", "wave")
    m = re.search(r"motion 'wave': 3\.000 s -> ([\d.]+) s \(\+([\d.]+) s", out)
    check(m and float(m.group(2)) > 0, out)
    times = [k["time"] for k in json.load(open("wave/motions/wave.json"))["keyframes"]]
    check(times[1] == 1.5 and abs(times[-1] - float(m.group(1))) < 1e-9, times)
    run("validate", "wave", "--strict")
    out, _ = run("retime", "wave")
    check("fast enough already, unchanged" in out, out)
    _, err = run("retime", "wave", "--motion", "nope", expect=2)
    check("no motion named 'nope'" in err, err)


def test_build_thumbnail(tmp):
    os.chdir(tmp)
    out, _ = run("build", "wave", "-o", "a.mpk")
    check("thumbnail: assets/thumbnail.png, motion 'wave' in the middle" in out, out)
    m = manifest_of("a.mpk")
    check(m["thumbnail"] == "assets/thumbnail.png", m)
    with zipfile.ZipFile("a.mpk") as z:
        check(png_size(z.read("assets/thumbnail.png")) == (320, 240), "320x240")
    # Reproducible, thumbnail included.
    run("build", "wave", "-o", "b.mpk")
    check(open("a.mpk", "rb").read() == open("b.mpk", "rb").read(), "same bytes twice")
    # A chosen instant.
    doc = json.load(open("wave/mpk-project.json"))
    doc["thumbnail"] = {"motion": "wave", "time": 0.5}
    json.dump(doc, open("wave/mpk-project.json", "w"), indent=2, ensure_ascii=False)
    out, _ = run("build", "wave", "-o", "c.mpk")
    check("motion 'wave' at 0.5 s" in out, out)
    with zipfile.ZipFile("a.mpk") as za, zipfile.ZipFile("c.mpk") as zc:
        check(za.read("assets/thumbnail.png") != zc.read("assets/thumbnail.png"),
              "another instant, another image")
    doc["thumbnail"] = {"motion": "wave", "time": 99}
    json.dump(doc, open("wave/mpk-project.json", "w"), indent=2, ensure_ascii=False)
    _, err = run("build", "wave", "-o", "d.mpk", expect=1)
    check("thumbnail:" in err and "mpk-preview" in err, err)
    check(not os.path.exists("d.mpk"), "nothing built")
    doc["thumbnail"] = {"motion": "hop"}
    json.dump(doc, open("wave/mpk-project.json", "w"), indent=2, ensure_ascii=False)
    _, err = run("build", "wave", "-o", "d.mpk", expect=1)
    check("thumbnail.motion: 'hop' is not a motion of the project" in err, err)
    doc["thumbnail"] = False
    json.dump(doc, open("wave/mpk-project.json", "w"), indent=2, ensure_ascii=False)
    run("build", "wave", "-o", "e.mpk")
    check("thumbnail" not in manifest_of("e.mpk"), "thumbnail: false")
    del doc["thumbnail"]
    json.dump(doc, open("wave/mpk-project.json", "w"), indent=2, ensure_ascii=False)
    run("build", "wave", "-o", "f.mpk", "--no-thumbnail")
    check("thumbnail" not in manifest_of("f.mpk"), "--no-thumbnail")

    # Without mpk-preview next to mpk or on PATH: a note, and a package without a thumbnail.
    alone = os.path.join(tmp, "alone")
    os.mkdir(alone)
    shutil.copy(MPK, alone)
    out, err = run("build", "wave", "-o", "g.mpk", mpk=os.path.join(alone, "mpk"),
                   env={"PATH": "/usr/bin:/bin"})
    check("mpk build: note: no thumbnail: mpk-preview is neither next to mpk nor on PATH" in err,
          err)
    check("thumbnail" not in manifest_of("g.mpk"), "no renderer, no thumbnail")
    run("verify", "g.mpk")
    # ... and with it on PATH the copy finds it there.
    out, _ = run("build", "wave", "-o", "h.mpk", mpk=os.path.join(alone, "mpk"),
                 env={"PATH": BIN + ":/usr/bin:/bin"})
    check(manifest_of("h.mpk").get("thumbnail") == "assets/thumbnail.png", "found on PATH")
    for f in "abcefgh":
        os.remove(f + ".mpk")


def test_new_motion_and_assets(tmp):
    os.chdir(tmp)
    out, _ = run("new-motion", "bow", "-C", "wave", "--title", "en=Bow", "--title", "zh=鞠躬",
                 "--duration", "4")
    check("added motion 'bow' (g1-29dof, 4 s)" in out, out)
    doc = json.load(open("wave/mpk-project.json"))
    check(doc["motions"][-1] == {"name": "bow", "robot": "g1-29dof",
                                 "source": {"type": "keyframes", "file": "motions/bow.json"},
                                 "title": {"en": "Bow", "zh": "鞠躬"}}, doc["motions"])
    run("validate", "wave", "--strict")
    before = snapshot("wave")
    _, err = run("new-motion", "bow", "-C", "wave", expect=1)
    check("the project has a motion named 'bow' already" in err, err)
    _, err = run("new-motion", "Bow!", "-C", "wave", expect=2)
    check("motion name 'Bow!'" in err, err)
    _, err = run("new-motion", "x", "-C", "nowhere", expect=1)
    check("nowhere/mpk-project.json" in err, err)
    # Not a picture, not a sound: refused, nothing copied or listed.
    with open("notes.txt", "w") as f:
        f.write("hello")
    _, err = run("add-asset", "notes.txt", "-C", "wave", "--thumbnail", expect=1)
    check("not a PNG or JPEG image; nothing added" in err, err)
    _, err = run("add-asset", "notes.txt", "-C", "wave", "--audio", expect=1)
    check("not a WAV, Ogg, FLAC, MP3 or M4A sound" in err, err)
    _, err = run("add-asset", "notes.txt", "-C", "wave", "--as", "../x.txt", expect=1)
    check("must not" in err or "'..'" in err, err)
    check(snapshot("wave") == before, "refusals changed the project")

    # A thumbnail of our own: listed, and the build uses it instead of rendering one.
    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 2, 2, 8,
                                                                           2, 0, 0, 0) + b"\0" * 4
    with open("cover.png", "wb") as f:
        f.write(png)
    wav = b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + b"\0" * 24
    with open("beat.wav", "wb") as f:
        f.write(wav)
    out, _ = run("add-asset", "cover.png", "-C", "wave", "--thumbnail")
    check("added assets/cover.png" in out and "as the thumbnail" in out, out)
    run("add-asset", "beat.wav", "-C", "wave", "--audio")
    doc = json.load(open("wave/mpk-project.json"))
    check(doc["assets"] == ["assets/cover.png", "assets/audio/beat.wav"], doc)
    check(doc["thumbnail"] == "assets/cover.png", doc)
    _, err = run("add-asset", "beat.wav", "-C", "wave", "--audio", expect=1)
    check("lists assets/audio/beat.wav already" in err, err)
    out, _ = run("build", "wave", "-o", "own.mpk")
    check("thumbnail: " not in out, out)
    m = manifest_of("own.mpk")
    check(m["thumbnail"] == "assets/cover.png", m)
    check({f["path"] for f in m["files"]} >= {"assets/cover.png", "assets/audio/beat.wav"}, m)
    with zipfile.ZipFile("own.mpk") as z:
        check(z.read("assets/cover.png") == png, "the image itself")
    os.remove("own.mpk")


def test_import(tmp):
    os.chdir(tmp)
    g1 = model("g1-29dof")
    g1_order = [j["name"] for j in g1["joints"]]
    with open("dance.csv", "w") as f:
        f.write(unitree_csv("g1-29dof", g1_order))
    out, err = run("import", "dance.csv", "--robot", "g1-29dof", "-C", "wave")
    check("imported dance.csv as motion 'dance' (g1-29dof): 201 frames at 50 Hz (4.000 s), 29 "
          "joints, root kept" in out, out)
    # Its legs move, and the package is arms-only: the import says so.
    check("legs move" in out and "a leg joint moves" in err, out + err)
    doc = json.load(open("wave/mpk-project.json"))
    check(doc["motions"][-1]["source"] == {"type": "unitree-csv", "file": "motions/dance.csv"},
          doc["motions"][-1])
    check(open("wave/motions/dance.csv").read() == open("dance.csv").read(), "copied as is")
    run("validate", "wave", expect=3)
    # Drop it again by hand, import the upper body, trimmed, at 100 Hz.
    doc["motions"].pop()
    json.dump(doc, open("wave/mpk-project.json", "w"), indent=2, ensure_ascii=False)
    os.remove("wave/motions/dance.csv")
    out, _ = run("import", "dance.csv", "--robot", "g1-29dof", "-C", "wave", "--upper-body",
                 "--trim", "1:3", "--rate", "100", "--name", "sway")
    check("as motion 'sway'" in out and "201 frames at 100 Hz (2.000 s), 17 joints" in out, out)
    src = json.load(open("wave/mpk-project.json"))["motions"][-1]["source"]
    check(src == {"type": "unitree-csv", "file": "motions/sway.csv", "rate": 100,
                  "trim": [1.0, 3.0], "joints": "upper-body"}, src)
    run("validate", "wave")
    run("build", "wave", "-o", "sway.mpk", "--no-thumbnail")
    header, data = read_csv_track("sway.mpk", "--motion", "sway")
    check("root_qw" in header and "left_knee" not in header, header)
    # The values at the CSV's own rows, by joint name.
    col = header.index("right_elbow")
    j = {x["name"]: x for x in g1["joints"]}["right_elbow"]
    for row in data[::10]:
        want = joint_curve("right_elbow", 1.0 + row[0], j["stand"], j["lower"], j["upper"])
        check(abs(row[col] - want) < 1e-3, "right_elbow at %g: %g, want %g" % (row[0], row[col],
                                                                              want))
    os.remove("sway.mpk")

    # H1: the CSV in URDF order, read from the URDF here; the track in SDK order.
    h1_order = urdf_joint_order(os.path.join(SRC, "tools", "robotgen", "urdf", "h1.urdf"))
    check(len(h1_order) == 19 and h1_order[0] == "left_hip_yaw", h1_order)
    h1 = {x["name"]: x for x in model("h1")["joints"]}
    with open("h1.csv", "w") as f:
        f.write(unitree_csv("h1", h1_order))
    out, _ = run("import", "h1.csv", "--robot", "h1", "-o", "h1.mpkt", "--rate", "30")
    check("121 frames at 30 Hz" in out and "19 joints of h1" in out, out)
    header, data = read_csv_track("h1.mpkt")
    check(header[1:20] == [x["name"] for x in model("h1")["joints"]], header)
    for name in ("left_hip_yaw", "right_knee", "torso", "left_elbow", "right_shoulder_pitch"):
        c = header.index(name)
        for row in data[::7]:
            want = joint_curve(name, row[0], h1[name]["stand"], h1[name]["lower"],
                               h1[name]["upper"])
            check(abs(row[c] - want) < 1e-5, "h1 %s at %g: %g, want %g" % (name, row[0], row[c],
                                                                            want))
    # H1-2: SDK order, 34 columns.
    h12_order = [x["name"] for x in model("h1-2")["joints"]]
    with open("h12.csv", "w") as f:
        f.write(unitree_csv("h1-2", h12_order))
    run("import", "h12.csv", "--robot", "h1-2", "-o", "h12.mpkt")
    run("validate", "h12.mpkt", "--full-body")

    # Too fast in one second: retime writes a retimed track and the motion passes.
    with open("fast.csv", "w") as f:
        f.write(unitree_csv("g1-29dof", g1_order, fast=("right_elbow", 1.0, 2.5)))
    run("import", "fast.csv", "--robot", "g1-29dof", "-C", "wave", "--upper-body")
    out, _ = run("validate", "wave", expect=3)
    check("motion 'fast': right_elbow" in out, out)
    out, _ = run("retime", "wave", "--motion", "fast")
    m = re.search(r"motion 'fast': 4\.000 s -> ([\d.]+) s \(\+([\d.]+) s", out)
    check(m and 0 < float(m.group(2)) < 4, out)
    check(json.load(open("wave/mpk-project.json"))["motions"][-1]["source"] ==
          {"type": "csv", "file": "motions/fast.retimed.csv"}, "the source names the new track")
    check(os.path.exists("wave/motions/fast.csv"), "the original stays")
    run("validate", "wave")


def test_bad_input(tmp):
    """Bad CSVs and keyframes: errors with line and column or field path, nothing written."""
    os.chdir(tmp)
    g1_order = [j["name"] for j in model("g1-29dof")["joints"]]
    good = unitree_csv("g1-29dof", g1_order, seconds=1).splitlines()

    def bad(lines):
        return "\n".join(lines) + "\n"

    def with_field(row, col, text):
        r = good[row].split(",")
        r[col] = text
        out = list(good)
        out[row] = ",".join(r)
        return bad(out)

    cases = [
        ("columns", bad(good[:3] + [",".join(good[3].split(",")[:-1])] + good[4:]),
         "line 4: 35 columns, a g1-29dof row has 36 (7 root + 29 joints)"),
        ("text", with_field(5, 12, "left"), "line 6, column 13 (left_ankle_roll): 'left' is not a "
                                            "number"),
        ("nan", with_field(2, 30, "nan"), "line 3, column 31 (right_shoulder_roll): nan is not a "
                                          "finite number"),
        ("quaternion", with_field(4, 6, "0.2"), "line 5, columns 4-7 (root quaternion x y z w): "
                                                "length"),
        ("empty", "", "empty: no rows"),
        ("header", "root_x,root_y\n" + bad(good), "(Unitree CSVs have no header line)"),
    ]
    before = snapshot(tmp)
    for name, text, want in cases:
        path = os.path.join(tmp, "bad-%s.csv" % name)
        with open(path, "w") as f:
            f.write(text)
        snap = snapshot(tmp)
        _, err = run("import", path, "--robot", "g1-29dof", "-C", "wave", "--name", name,
                     expect=1)
        check(want in err and ("bad-%s.csv" % name) in err, "%s: %r lacks %r" % (name, err, want))
        _, err = run("import", path, "--robot", "g1-29dof", "-o", "out.mpkt", expect=1)
        check(want in err, err)
        check(snapshot(tmp) == snap, "%s: the import wrote something" % name)
        os.remove(path)
    check(snapshot(tmp) == before, "bad CSVs changed files")
    _, err = run("import", "dance.csv", "--robot", "g1-29dof", "-o", "x.mpkt", "--trim", "3:9",
                 expect=2)
    check("trim 3:9: must be a part of the CSV, which lasts 4 s" in err, err)
    _, err = run("import", "dance.csv", "--robot", "g1-29dof", "--trim", "x", expect=2)
    check("--trim 'x'" in err, err)

    # Keyframe mistakes, through validate and build: the file and the field path.
    keys = "wave/motions/bow.json"
    good_keys = open(keys).read()
    kcases = [
        ('[{"time": 0, "pose": "stand"}, {"time": 1, "joints": {"left_elbow": 0.5}}, '
         '{"time": 1, "pose": "stand"}]', "keyframes[2].time: 1 is not after keyframes[1].time (1)"),
        ('[{"time": 0, "pose": "stand"}, {"time": 2}, {"time": 1, "pose": "stand"}]',
         "keyframes[2].time: 1 is not after keyframes[1].time (2)"),
        ('[{"time": 0, "pose": "stand"}, {"time": 1, "joints": {"left_elbo": 0.5}}]',
         "keyframes[1].joints.left_elbo: 'left_elbo' is not a joint of g1-29dof"),
        ('[{"time": 0, "pose": "kneel"}, {"time": 1}]',
         "keyframes[0].pose: 'kneel' is not a named pose (stand, zero)"),
        ('[{"time": 0, "pose": "stand"}, {"time": 1, "interpolation": "bezier"}]',
         "keyframes[1].interpolation: 'bezier' is not one of linear, cubic, minjerk"),
    ]
    for body, want in kcases:
        doc = json.loads(good_keys)
        doc["keyframes"] = json.loads(body)
        with open(keys, "w") as f:
            json.dump(doc, f)
        snap = snapshot(tmp)
        _, err = run("validate", "wave", expect=1)
        check(want in err and "motions/bow.json" in err, "%r lacks %r" % (err, want))
        _, err = run("build", "wave", "-o", "k.mpk", expect=1)
        check(want in err, err)
        check(snapshot(tmp) == snap, "a bad keyframe file wrote something")
    with open(keys, "w") as f:
        f.write(good_keys)
    run("validate", "wave")


def main():
    tmp = tempfile.mkdtemp(prefix="cli-authoring.", dir=os.environ.get("MS_TEST_TMP"))
    cwd = os.getcwd()
    try:
        test_init(tmp)
        test_validate_retime_keyframes(tmp)
        test_build_thumbnail(tmp)
        test_new_motion_and_assets(tmp)
        test_import(tmp)
        test_bad_input(tmp)
    except AssertionError as e:
        print("FAIL:", e)
        return 1
    finally:
        os.chdir(cwd)
        shutil.rmtree(tmp, ignore_errors=True)
    print("cli_authoring: all scenarios passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
