#!/usr/bin/env python3
"""The example packages: their generated data regenerates identically, the build made,
verified and validated all six, each has English and Chinese names and an embedded thumbnail
(a 320x240 PNG rendered by mpk-preview), the permissions match the joints they move, the dance
comes from a Unitree-format CSV with its root trajectory, and the g1-29dof wave is a sane motion
for the robot model (from `mpk robot show`): it starts and ends at the standing pose, stays
inside the limits with a margin, moves only arms and waist, and has no jumps.
"""
import csv
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

SRC = os.environ["MS_SOURCE_DIR"]
BIN = os.environ["MS_BIN_DIR"]
MPK = os.path.join(BIN, "mpk")
PACKAGES = os.path.join(os.environ["MS_BINARY_DIR"], "packages")
EXAMPLE_KEY_ID = "af76576406b595ad2454d4e169c4475d33c8a6df7007455748b7a3aa5bad3ca5"


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


# (project folder, package id, robot, full-body)
EXAMPLES = [
    ("g1-wave", "org.motionstore.examples.g1-wave", "g1-29dof", False),
    ("g1-bow", "org.motionstore.examples.g1-bow", "g1-29dof", False),
    ("g1-clap", "org.motionstore.examples.g1-clap", "g1-29dof", False),
    ("g1-dance", "org.motionstore.examples.g1-dance", "g1-29dof", False),
    ("h1-wave", "org.motionstore.examples.h1-wave", "h1", False),
    ("go2-stretch", "org.motionstore.examples.go2-stretch", "go2", True),
]


def png_size(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        fail("the thumbnail is not a PNG")
    return struct.unpack(">II", data[16:24])


def check_all_examples():
    """Every example: built, verified, validated clean, two languages, thumbnail, permissions."""
    groups = {}
    for folder, pkg_id, robot, full_body in EXAMPLES:
        pkg = os.path.join(PACKAGES, pkg_id + "-1.0.0.mpk")
        if not os.path.exists(pkg):
            fail("the build did not make " + pkg)
        p = subprocess.run([MPK, "verify", pkg, "--key-id", EXAMPLE_KEY_ID], capture_output=True,
                           text=True)
        if p.returncode != 0:
            fail("%s does not verify: %s" % (pkg_id, p.stderr))
        p = subprocess.run([MPK, "validate", pkg, "--strict"], capture_output=True, text=True)
        if p.returncode != 0 or "0 errors, 0 warnings" not in p.stdout:
            fail("%s does not validate cleanly: %s%s" % (pkg_id, p.stdout, p.stderr))
        manifest = json.loads(subprocess.run([MPK, "inspect", "--json", pkg], capture_output=True,
                                             check=True, text=True).stdout)["manifest"]
        if set(manifest["name"]) != {"en", "zh"} or set(manifest["description"]) != {"en", "zh"}:
            fail("%s: names and descriptions in English and Chinese" % pkg_id)
        if manifest["robots"] != [robot]:
            fail("%s: robots %s, expected [%s]" % (pkg_id, manifest["robots"], robot))
        if (manifest["permissions"] == ["full-body"]) != full_body:
            fail("%s: permissions %s" % (pkg_id, manifest["permissions"]))
        if manifest.get("thumbnail") != "assets/thumbnail.png":
            fail("%s: no embedded thumbnail (%s)" % (pkg_id, manifest.get("thumbnail")))
        with zipfile.ZipFile(pkg) as z:
            if png_size(z.read("assets/thumbnail.png")) != (320, 240):
                fail("%s: the thumbnail is not 320x240" % pkg_id)
        if robot not in groups:
            model = json.loads(subprocess.run([MPK, "robot", "show", robot, "--json"],
                                              capture_output=True, check=True, text=True).stdout)
            groups[robot] = {j["name"]: j["group"] for j in model["joints"]}
        for motion in manifest["motions"]:
            legs = [j for j in motion["joints"] if groups[robot][j] == "leg"]
            if legs and not full_body:
                fail("%s: names leg joints %s without full-body" % (pkg_id, legs))
    # The dance keeps the root trajectory of its Unitree CSV.
    dance = os.path.join(PACKAGES, "org.motionstore.examples.g1-dance-1.0.0.mpk")
    header = [l for l in subprocess.run([MPK, "export-csv", dance], capture_output=True,
                                        check=True, text=True).stdout.splitlines()
              if not l.startswith("#")][0]
    if "root_qw" not in header:
        fail("the dance lost its root trajectory: " + header)
    print("example packages: %d built, verified, validated, with thumbnails" % len(EXAMPLES))


def check_generated(folder, script, data):
    """The committed data is what the package's own generator makes."""
    directory = os.path.join(SRC, "packages", folder)
    committed = os.path.join(directory, "motions", data)
    with tempfile.TemporaryDirectory(dir=os.environ.get("MS_TEST_TMP")) as tmp:
        fresh = os.path.join(tmp, data)
        subprocess.run([sys.executable, os.path.join(directory, script), fresh], check=True)
        if open(fresh, "rb").read() != open(committed, "rb").read():
            fail("%s no longer produces the committed motions/%s" % (script, data))


def main():
    check_generated("g1-dance", "make_dance.py", "dance.csv")
    # The dance is in Unitree's layout: no header, 36 columns (7 root + 29 joints).
    rows = open(os.path.join(SRC, "packages", "g1-dance", "motions", "dance.csv")).read().split()
    if any(len(r.split(",")) != 36 for r in rows) or len(rows) != 241:
        fail("dance.csv is not 241 rows of 36 columns")
    check_all_examples()
    wave_dir = os.path.join(SRC, "packages", "g1-wave")
    committed = os.path.join(wave_dir, "motions", "wave.csv")
    with tempfile.TemporaryDirectory(dir=os.environ.get("MS_TEST_TMP")) as tmp:
        fresh = os.path.join(tmp, "wave.csv")
        subprocess.run([sys.executable, os.path.join(wave_dir, "make_wave.py"), fresh], check=True)
        if open(fresh, "rb").read() != open(committed, "rb").read():
            fail("make_wave.py no longer produces the committed motions/wave.csv")

    # The example key's id, as the keys README says.
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in",
                          os.path.join(SRC, "packages", "keys", "example.key.pub"), "-outform",
                          "DER"], capture_output=True, check=True).stdout
    if hashlib.sha256(der).hexdigest() != EXAMPLE_KEY_ID:
        fail("example.key.pub does not have the documented key id")

    pkg = os.path.join(PACKAGES, "org.motionstore.examples.g1-wave-1.0.0.mpk")
    if not os.path.exists(pkg):
        fail("the build did not make " + pkg)
    p = subprocess.run([MPK, "verify", pkg, "--key-id", EXAMPLE_KEY_ID], capture_output=True,
                       text=True)
    if p.returncode != 0:
        fail("example package does not verify: " + p.stderr)

    model = json.loads(subprocess.run([MPK, "robot", "show", "g1-29dof", "--json"],
                                      capture_output=True, check=True, text=True).stdout)
    joints = {j["name"]: j for j in model["joints"]}
    info = json.loads(subprocess.run([MPK, "inspect", "--json", pkg], capture_output=True,
                                     check=True, text=True).stdout)
    manifest = info["manifest"]
    if manifest["permissions"] != [] or manifest["robots"] != ["g1-29dof"]:
        fail("the wave is an arms-and-waist motion for g1-29dof")
    if set(manifest["name"]) != {"en", "zh"}:
        fail("names in English and Chinese")
    rows = list(csv.reader(l for l in subprocess.run(
        [MPK, "export-csv", pkg], capture_output=True, check=True, text=True).stdout.splitlines()
        if not l.startswith("#")))
    header, data = rows[0], [[float(x) for x in r] for r in rows[1:]]
    names = header[1:]
    for n in names:
        if joints[n]["group"] not in ("arm", "waist"):
            fail("%s is not an arm or waist joint" % n)
    for f in (0, len(data) - 1):
        for j, n in enumerate(names):
            if abs(data[f][j + 1] - joints[n]["stand"]) > 1e-6:
                fail("frame %d: %s = %g, not the standing pose %g" %
                     (f, n, data[f][j + 1], joints[n]["stand"]))
    dt = data[1][0] - data[0][0]
    for f, row in enumerate(data):
        for j, n in enumerate(names):
            lo, hi, q = joints[n]["lower"], joints[n]["upper"], row[j + 1]
            if not lo + 0.1 <= q <= hi - 0.1:
                fail("frame %d: %s = %g within 0.1 rad of its limits [%g, %g]" % (f, n, q, lo, hi))
            if f and abs(q - data[f - 1][j + 1]) / dt > 0.25 * joints[n]["velocity"]:
                fail("frame %d: %s moves faster than a quarter of its velocity limit" % (f, n))
    moving = [n for j, n in enumerate(names) if max(r[j + 1] for r in data) - min(r[j + 1] for r in data) > 0.5]
    if "right_elbow" not in moving or "right_shoulder_roll" not in moving:
        fail("the right arm should visibly move: %s" % moving)
    print("example packages: OK (%d frames, moving: %s)" % (len(data), ", ".join(moving)))


if __name__ == "__main__":
    main()
