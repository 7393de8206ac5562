#!/usr/bin/env python3
"""Scenario tests of `mpk keygen`, `mpk build`, `mpk inspect`, `mpk verify` and `mpk export-csv`.

Runs the real mpk program on real files. Packages are read back here with Python's zipfile and
struct modules and openssl, written from docs/format.md alone, so the format is checked by a
second reader. Every bad input must give a clear message naming the file and field, a non-zero
exit code as documented (1 failure, 2 usage, 3 invalid) and no output file.
"""
import base64
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
import warnings
import zipfile

from mpktest import EXAMPLE_KEY, SRC, check, run

EXAMPLE = os.path.join(SRC, "packages", "g1-wave")
EXAMPLE_KEY_ID = "af76576406b595ad2454d4e169c4475d33c8a6df7007455748b7a3aa5bad3ca5"
failures = []


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def listing(folder):
    return sorted(os.listdir(folder))


# ---- an independent reader of the formats (docs/format.md) ----

def read_track(data):
    """Parses a binary motion track with struct, following docs/format.md."""
    check(data[:4] == b"MPKT", "track magic")
    version, header_size, flags, frames, joints, r16, r32, rate = struct.unpack_from(
        "<HHIIHHId", data, 4)
    check((version, header_size, r16, r32) == (1, 64, 0, 0), "track header fields")
    robot = data[32:64].rstrip(b"\0").decode()
    names = [data[64 + 32 * j:96 + 32 * j].rstrip(b"\0").decode() for j in range(joints)]
    off = 64 + 32 * joints
    count = frames * joints
    pos = struct.unpack_from("<%df" % count, data, off)
    off += 4 * count
    track = dict(robot=robot, rate=rate, frames=frames, names=names, flags=flags,
                 positions=[pos[f * joints:(f + 1) * joints] for f in range(frames)])
    if flags & 1:
        vel = struct.unpack_from("<%df" % count, data, off)
        off += 4 * count
        track["velocities"] = [vel[f * joints:(f + 1) * joints] for f in range(frames)]
    if flags & 2:
        track["kp"] = struct.unpack_from("<%df" % joints, data, off)
        track["kd"] = struct.unpack_from("<%df" % joints, data, off + 4 * joints)
        off += 8 * joints
    if flags & 4:
        root = struct.unpack_from("<%df" % (7 * frames), data, off)
        off += 28 * frames
        track["root"] = [root[7 * f:7 * f + 7] for f in range(frames)]
    check(off == len(data), "track size: %d bytes, header implies %d" % (len(data), off))
    return track


def check_package_independently(path, tmp):
    """Verifies a package with zipfile, hashlib and openssl only."""
    with zipfile.ZipFile(path) as z:
        names = [i.filename for i in z.infolist()]
        check(names == sorted(names), "entries sorted: %s" % names)
        for info in z.infolist():
            check(info.date_time == (2000, 1, 1, 0, 0, 0), "fixed timestamp: %s" % (info.date_time,))
            check(info.external_attr >> 16 == 0o100644, "mode 0644: %o" % (info.external_attr >> 16))
            want = zipfile.ZIP_STORED if info.filename.endswith(".mpkt") else zipfile.ZIP_DEFLATED
            check(info.compress_type == want, "compression of %s" % info.filename)
        manifest_bytes = z.read("manifest.json")
        sig = json.loads(z.read("signature.json"))
        manifest = json.loads(manifest_bytes)
        check(set(names) == {"manifest.json", "signature.json"} | {f["path"] for f in manifest["files"]},
              "entries are exactly the listed files")
        for f in manifest["files"]:
            data = z.read(f["path"])
            check(len(data) == f["size"] and hashlib.sha256(data).hexdigest() == f["sha256"],
                  "size and hash of " + f["path"])
        tracks = {m["name"]: read_track(z.read(m["file"])) for m in manifest["motions"]}
    check(sig["algorithm"] == "ecdsa-p256-sha256", "algorithm")
    pub = os.path.join(tmp, "signer.pub")
    with open(pub, "w") as f:
        f.write(sig["public_key"])
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", pub, "-outform", "DER"],
                         capture_output=True, check=True).stdout
    check(hashlib.sha256(der).hexdigest() == sig["key_id"], "key id is SHA-256 of the DER key")
    for name, data in (("m.json", manifest_bytes), ("m.sig", base64.b64decode(sig["signature"]))):
        with open(os.path.join(tmp, name), "wb") as f:
            f.write(data)
    p = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pub, "-signature",
                        os.path.join(tmp, "m.sig"), os.path.join(tmp, "m.json")],
                       capture_output=True, text=True)
    check(p.returncode == 0 and "Verified OK" in p.stdout, "openssl verifies the signature")
    return manifest, sig, tracks


def rewrite(src, dst, change):
    """Copies a zip entry by entry; change(name, data) returns new data, None to drop, and may
    return extra entries under the key '+'."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in change("+", b"") or []:
            zout.writestr(name, data)


# ---- scenarios ----

def test_every_help(tmp):
    """Every command `mpk --help` lists answers --help with its usage (exit 0) and states its exit
    codes; the codes are the ones docs/mpk.md's table defines, and mpk --help says the same."""
    out, _ = run("--help")
    commands = []
    for line in out.splitlines():
        m = re.match(r"^  ([a-z-]+) {2,}\S", line)
        if m:
            commands.append(m.group(1))
    check(len(commands) >= 15 and "validate" in commands and "export-csv" in commands, commands)
    doc = open(os.path.join(SRC, "docs", "mpk.md"), encoding="utf-8").read()
    table = dict(re.findall(r"^\| (\d) \| ([^|]+) \|$", doc, re.M))
    check(sorted(table) == ["0", "1", "2", "3"], "docs/mpk.md exit codes: %s" % table)
    summary = re.search(r"Exit codes: (.*)", out).group(1)
    for code, said, documented in (("0", "success", "success"), ("1", "failure", "failed"),
                                   ("2", "usage", "command line"), ("3", "invalid", "invalid")):
        check(code + " " + said in summary and documented in table[code],
              "%s: %r / %r" % (code, summary, table[code]))
    runs = {"preview": "mpk-preview", "play": "motion-play"}  # the programs mpk runs for these
    for cmd in commands:
        if cmd in runs and not os.path.exists(os.path.join(os.environ["MS_BIN_DIR"], runs[cmd])):
            continue  # a partial build; the program's own tests cover its --help
        text, _ = run(cmd, "--help")
        check(text.startswith("usage: "), "%s --help: %r" % (cmd, text[:60]))
        if cmd in ("help", "preview", "play"):  # mpk itself, and the programs mpk runs
            continue
        m = re.search(r"Exit codes?:? (.*?)(?:\n\n|$)", text, re.S)
        check(m, "%s --help states no exit codes" % cmd)
        if m:
            codes = set(re.findall(r"\b(\d)\b", m.group(1)))
            check({"0", "2"} <= codes <= {"0", "1", "2", "3"},
                  "%s --help exit codes %s" % (cmd, sorted(codes)))


def test_help_and_usage(tmp):
    out, _ = run("--help")
    for cmd in ("keygen", "build", "inspect", "verify", "export-csv"):
        check(cmd in out, cmd + " in mpk --help")
        out2, _ = run(cmd, "--help")
        check(out2.startswith("usage: mpk " + cmd), cmd + " --help")
    run("build", expect=2)
    run("verify", expect=2)
    run("inspect", expect=2)
    run("export-csv", expect=2)
    run("keygen", "extra", expect=2)
    run("verify", "a.mpk", "--bogus", expect=2)
    run("verify", "a.mpk", "--key", "k", "--key-id", "x", expect=2)
    _, err = run("verify", "a.mpk", "--key-id", "abc", expect=2)
    check("not 64 hex digits" in err, err)


def test_keygen(tmp):
    d = os.path.join(tmp, "keys")
    os.mkdir(d)
    out, err = run("keygen", cwd=d)
    key_id = out.strip()
    check(len(key_id) == 64 and all(c in "0123456789abcdef" for c in key_id), "key id printed")
    check(listing(d) == ["mpk.key", "mpk.key.pub"], "default names: %s" % listing(d))
    check(os.stat(os.path.join(d, "mpk.key")).st_mode & 0o777 == 0o600, "private key 0600")
    check(os.stat(os.path.join(d, "mpk.key.pub")).st_mode & 0o777 == 0o644, "public key 0644")
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", os.path.join(d, "mpk.key.pub"),
                          "-outform", "DER"], capture_output=True, check=True).stdout
    check(hashlib.sha256(der).hexdigest() == key_id, "key id = SHA-256 of the DER public key")
    before = open(os.path.join(d, "mpk.key")).read()
    _, err = run("keygen", cwd=d, expect=1)
    check("already exists" in err, "refuses to overwrite: " + err)
    check(open(os.path.join(d, "mpk.key")).read() == before, "key unchanged")
    # A leftover public key alone also stops it, before anything is written.
    open(os.path.join(d, "other.key.pub"), "w").close()
    run("keygen", "-o", os.path.join(d, "other.key"), expect=1)
    check(not os.path.exists(os.path.join(d, "other.key")), "no private key written")
    return os.path.join(d, "mpk.key"), key_id


def test_build_verify_inspect(tmp, my_key, my_id):
    proj = os.path.join(tmp, "wave")
    shutil.copytree(EXAMPLE, proj)
    out_dir = os.path.join(tmp, "out")
    os.mkdir(out_dir)
    # Default output name in the current folder; the key from the project file.
    stdout, _ = run("build", os.path.join(EXAMPLE), cwd=out_dir)
    pkg = os.path.join(out_dir, "org.motionstore.examples.g1-wave-1.0.0.mpk")
    check(os.path.exists(pkg) and listing(out_dir) == [os.path.basename(pkg)], "default output")
    check(sha256(pkg) in stdout and EXAMPLE_KEY_ID in stdout, "build prints sha256 and key id")

    # Reproducible: again, and from a copy in another folder (with --key, the copy has no key).
    again = os.path.join(out_dir, "again.mpk")
    copy = os.path.join(out_dir, "copy.mpk")
    run("build", EXAMPLE, "-o", again)
    run("build", proj, "-o", copy, "--key", EXAMPLE_KEY)
    check(sha256(pkg) == sha256(again) == sha256(copy), "same bytes every time")
    # The package the build made (build/packages) is the same too.
    built = os.path.join(os.environ["MS_BINARY_DIR"], "packages", os.path.basename(pkg))
    if os.path.exists(built) and "SOURCE_DATE_EPOCH" not in os.environ:
        check(sha256(built) == sha256(pkg), "build tree package is reproducible")
    # SOURCE_DATE_EPOCH changes the stored time, still reproducibly.
    e1, e2 = os.path.join(out_dir, "e1.mpk"), os.path.join(out_dir, "e2.mpk")
    run("build", EXAMPLE, "-o", e1, env={"SOURCE_DATE_EPOCH": "1700000000"})
    run("build", EXAMPLE, "-o", e2, env={"SOURCE_DATE_EPOCH": "1700000000"})
    check(sha256(e1) == sha256(e2) != sha256(pkg), "SOURCE_DATE_EPOCH honoured")
    with zipfile.ZipFile(e1) as z:
        check(z.infolist()[0].date_time == (2023, 11, 14, 22, 13, 20), "epoch date stored")
    # A malformed SOURCE_DATE_EPOCH fails the build instead of quietly using another date.
    e3 = os.path.join(out_dir, "e3.mpk")
    _, err = run("build", EXAMPLE, "-o", e3, env={"SOURCE_DATE_EPOCH": "yesterday"}, expect=1)
    check("SOURCE_DATE_EPOCH: 'yesterday' is not a whole number" in err, err)
    check(not os.path.exists(e3), "nothing written for a bad SOURCE_DATE_EPOCH")

    manifest, sig, tracks = check_package_independently(pkg, tmp)
    check(sig["key_id"] == EXAMPLE_KEY_ID, "signed by the example key")
    wave = tracks["wave"]
    check(wave["robot"] == "g1-29dof" and wave["rate"] == 50 and wave["frames"] == 301, "track")
    m0 = manifest["motions"][0]
    check(m0["joints"] == wave["names"] and m0["rate"] == 50 and m0["duration"] == 6, "motion")

    # Signed by another key: verify with key files and ids.
    mine = os.path.join(out_dir, "mine.mpk")
    run("build", proj, "-o", mine, "--key", my_key)
    run("verify", mine)
    run("verify", mine, "--key", my_key + ".pub")
    run("verify", mine, "--key", my_key)  # a private key file names the same id
    run("verify", mine, "--key-id", my_id)
    _, err = run("verify", mine, "--key-id", EXAMPLE_KEY_ID, expect=3)
    check("not by the expected key" in err and my_id in err, err)
    _, err = run("verify", mine, "--key", EXAMPLE_KEY + ".pub", expect=3)
    check("INVALID" in err, err)
    # A public key cannot sign.
    _, err = run("build", proj, "-o", os.path.join(out_dir, "x.mpk"), "--key", my_key + ".pub",
                 expect=1)
    check("private key" in err and not os.path.exists(os.path.join(out_dir, "x.mpk")), err)

    out, _ = run("verify", pkg, "--key-id", EXAMPLE_KEY_ID)
    check(out.startswith(pkg + ": OK: org.motionstore.examples.g1-wave 1.0.0"), out)
    out, _ = run("inspect", pkg)
    for text in ("org.motionstore.examples.g1-wave", "verified:    yes", "[zh] 挥手",
                 "motions/wave.mpkt", "6.000 s at 50 Hz, 17 joints", sha256(pkg)):
        check(text in out, "inspect shows " + text)
    out, _ = run("inspect", "--json", pkg)
    j = json.loads(out)
    check(j["verified"] is True and j["key_id"] == EXAMPLE_KEY_ID and j["sha256"] == sha256(pkg)
          and j["manifest"] == manifest and "error" not in j, "inspect --json")
    return pkg, proj


def test_export_csv(tmp, pkg, proj):
    d = os.path.join(tmp, "csv")
    os.mkdir(d)
    out, _ = run("export-csv", pkg)
    exported = os.path.join(d, "wave.csv")
    run("export-csv", pkg, "--motion", "wave", "-o", exported)
    check(open(exported).read() == out, "stdout and -o agree")
    lines = out.splitlines()
    check(lines[:3] == ["# mpk-track: 1", "# robot: g1-29dof", "# rate: 50"], lines[:3])
    with zipfile.ZipFile(pkg) as z:
        track = read_track(z.read("motions/wave.mpkt"))
        with open(os.path.join(d, "wave.mpkt"), "wb") as f:
            f.write(z.read("motions/wave.mpkt"))
    # The CSV values are exactly the track's float32 values.
    header = lines[3].split(",")
    check(header == ["time"] + track["names"], "CSV header")
    for f, row in enumerate(lines[4:]):
        cells = row.split(",")
        check(abs(float(cells[0]) - f / 50) < 1e-9, "time column")
        for j, cell in enumerate(cells[1:]):
            check(struct.unpack("<f", struct.pack("<f", float(cell)))[0] == track["positions"][f][j],
                  "value %d,%d" % (f, j))
    # From the bare track: the same CSV.
    out2, _ = run("export-csv", os.path.join(d, "wave.mpkt"))
    check(out2 == out, "export from .mpkt")
    # Round trip: a project made from the exported CSV builds a package with the same track.
    rt = os.path.join(tmp, "roundtrip")
    shutil.copytree(proj, rt)
    shutil.copy(exported, os.path.join(rt, "motions", "wave.csv"))
    rt_pkg = os.path.join(d, "rt.mpk")
    run("build", rt, "-o", rt_pkg, "--key", EXAMPLE_KEY)
    with zipfile.ZipFile(pkg) as a, zipfile.ZipFile(rt_pkg) as b:
        check(a.read("motions/wave.mpkt") == b.read("motions/wave.mpkt"), "exact round trip")
    check(sha256(rt_pkg) == sha256(pkg), "even the package is identical")
    # Usage errors.
    _, err = run("export-csv", pkg, "--motion", "dance", expect=2)
    check("no motion 'dance'" in err, err)
    run("export-csv", os.path.join(d, "wave.mpkt"), "--motion", "wave", expect=2)
    _, err = run("export-csv", os.path.join(d, "missing.mpk"), expect=1)
    check("missing.mpk" in err, err)
    nowhere = os.path.join(d, "no-such-folder", "wave.csv")
    _, err = run("export-csv", pkg, "-o", nowhere, expect=1)
    check(err.count(nowhere) == 1, err)


def expect_invalid(pkg, *needles, code=3):
    """verify and inspect both refuse the package, naming what is wrong."""
    _, err = run("verify", pkg, expect=code)
    for n in needles:
        check(n in err, "verify message %r lacks %r" % (err, n))
    _, err2 = run("inspect", pkg, expect=code)
    check(needles[0] in err2, "inspect message %r lacks %r" % (err2, needles[0]))
    run("export-csv", pkg, expect=code)


def test_bad_packages(tmp, pkg):
    d = os.path.join(tmp, "bad")
    os.mkdir(d)
    data = open(pkg, "rb").read()

    def bad(name, content):
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            f.write(content)
        return path

    # Truncated and corrupt zips.
    for cut in (0, 30, len(data) // 2, len(data) - 22, len(data) - 1):
        expect_invalid(bad("cut%d.mpk" % cut, data[:cut]), "not a valid zip")
    corrupt = bytearray(data)
    end = corrupt.rfind(b"PK\x05\x06")
    corrupt[end + 16] ^= 0xFF  # central directory offset
    expect_invalid(bad("corrupt.mpk", bytes(corrupt)), "corrupt.mpk")
    # A flipped byte inside the stored track: the zip CRC or the hash catches it.
    with zipfile.ZipFile(pkg) as z:
        info = z.getinfo("motions/wave.mpkt")
    flipped = bytearray(data)
    flipped[info.header_offset + 30 + len(info.filename) + 1000] ^= 1
    expect_invalid(bad("flipped.mpk", bytes(flipped)), "motions/wave.mpkt")

    # Bad manifest fields (the old signature no longer matters: the manifest is refused first).
    def manifest_change(fn):
        def change(name, content):
            if name == "manifest.json":
                m = json.loads(content)
                fn(m)
                return json.dumps(m, indent=2, sort_keys=True).encode()
            return None if name == "+" else content
        return change

    cases = [
        ("rate0", lambda m: m["motions"][0].__setitem__("rate", 0),
         "manifest.json: motions[0].rate: must be between 1 and 1000"),
        ("noen", lambda m: m["name"].pop("en"), "manifest.json: name.en: required"),
        ("unknown", lambda m: m.__setitem__("colour", "red"), "manifest.json: colour: unknown field"),
        ("robot", lambda m: m.__setitem__("robots", ["t800"]),
         "manifest.json: robots[0]: unknown robot model 't800'"),
        ("joint", lambda m: m["motions"][0]["joints"].__setitem__(0, "tail"),
         "manifest.json: motions[0].joints[0]: 'tail' is not a joint of g1-29dof"),
        ("dotdot", lambda m: m["files"][0].__setitem__("path", "../wave.mpkt"),
         "manifest.json: files[0].path: '../wave.mpkt' must not contain"),
        ("version", lambda m: m.__setitem__("version", "1.0"),
         "manifest.json: version: '1.0' is not a semantic version"),
        ("size", lambda m: m["files"][0].__setitem__("size", 10 ** 12),
         "manifest.json: files[0].size: must be between 0 and"),
    ]
    for name, fn, msg in cases:
        path = os.path.join(d, name + ".mpk")
        rewrite(pkg, path, manifest_change(fn))
        expect_invalid(path, msg)
    # A valid manifest changed after signing: the signature fails.
    path = os.path.join(d, "author.mpk")
    rewrite(pkg, path, manifest_change(lambda m: m.__setitem__("author", "Mallory")))
    expect_invalid(path, "signature.json: the signature does not match manifest.json")

    # Wrong hashes, missing and extra entries.
    def track_change(name, content):
        if name == "motions/wave.mpkt":
            b = bytearray(content)
            b[200] ^= 0x40
            return bytes(b)
        return None if name == "+" else content
    path = os.path.join(d, "hash.mpk")
    rewrite(pkg, path, track_change)
    expect_invalid(path, "motions/wave.mpkt: SHA-256 differs")
    path = os.path.join(d, "missing.mpk")
    rewrite(pkg, path, lambda n, c: None if n in ("+", "motions/wave.mpkt") else c)
    expect_invalid(path, "motions/wave.mpkt: listed in manifest.json but missing")
    path = os.path.join(d, "extra.mpk")
    rewrite(pkg, path, lambda n, c: [("assets/evil.sh", b"#!/bin/sh\n")] if n == "+" else c)
    expect_invalid(path, "assets/evil.sh: entry not listed in manifest.json")
    # The same name twice (a zip can say so; a reader would pick one of them).
    path = os.path.join(d, "twice.mpk")
    with zipfile.ZipFile(pkg) as z:
        track_bytes = z.read("motions/wave.mpkt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile's "Duplicate name": that is the point
        rewrite(pkg, path, lambda n, c: [("motions/wave.mpkt", track_bytes)] if n == "+" else c)
    expect_invalid(path, "twice.mpk: not a valid zip: two entries have the same name")
    path = os.path.join(d, "nosig.mpk")
    rewrite(pkg, path, lambda n, c: None if n in ("+", "signature.json") else c)
    expect_invalid(path, "signature.json: not in the package")

    # Absurd declared sizes: the zip headers claim 2 GB for the (stored) track.
    with zipfile.ZipFile(pkg) as z:
        info = z.getinfo("motions/wave.mpkt")
    b = bytearray(data)
    struct.pack_into("<I", b, info.header_offset + 22, 0x7FFFFFF0)
    cd = data.find(b"PK\x01\x02")
    while cd >= 0 and data[cd + 46:cd + 46 + len(info.filename)] != info.filename.encode():
        cd = data.find(b"PK\x01\x02", cd + 4)
    check(cd >= 0, "central directory entry of the track")
    struct.pack_into("<I", b, cd + 24, 0x7FFFFFF0)
    expect_invalid(bad("huge.mpk", bytes(b)), "motions/wave.mpkt: declares 2147483632 bytes")
    # Missing file: failure, not invalid.
    _, err = run("verify", os.path.join(d, "nothing.mpk"), expect=1)
    check("nothing.mpk" in err, err)


def make_project(tmp, name, csv_text, motion_extra=None):
    proj = os.path.join(tmp, name)
    shutil.copytree(EXAMPLE, proj)
    with open(os.path.join(proj, "motions", "wave.csv"), "w") as f:
        f.write(csv_text)
    if motion_extra:
        pj = os.path.join(proj, "mpk-project.json")
        doc = json.load(open(pj))
        doc["motions"][0].update(motion_extra)
        json.dump(doc, open(pj, "w"))
    return proj


def write_track(robot="g1-29dof", joints=("right_elbow", "waist_yaw"), rate=50.0, frames=40,
                values=None, declared_frames=None):
    """A binary track written here from docs/format.md (section 4.1), broken as asked."""
    head = b"MPKT" + struct.pack("<HHIIHHId", 1, 64, 0,
                                 frames if declared_frames is None else declared_frames,
                                 len(joints), 0, 0, rate)
    head += robot.encode().ljust(32, b"\0")
    for j in joints:
        head += j.encode().ljust(32, b"\0")
    if values is None:
        values = [0.1 * math.sin(f / 10.0) for f in range(frames) for _ in joints]
    return head + struct.pack("<%df" % len(values), *values)


def test_bad_tracks(tmp):
    """Bare tracks with bad content: export-csv and validate refuse them as invalid (exit 3) naming
    the file and the field, build refuses a project whose mpkt source is one (exit 1), and no
    output is left anywhere."""
    d = os.path.join(tmp, "bad-tracks")
    out_dir = os.path.join(d, "out")
    os.makedirs(out_dir)
    nan = [0.0] * 80
    nan[7] = float("nan")
    inf = [0.0] * 80
    inf[12] = float("-inf")
    cases = [
        ("nan", write_track(values=nan), "positions: waist_yaw at 0.06 s (frame 3): NaN"),
        ("inf", write_track(values=inf), "positions: right_elbow at 0.12 s (frame 6): -Inf"),
        ("rate0", write_track(rate=0.0), "rate: 0 Hz, must be between 1 and 1000"),
        ("frames0", write_track(frames=0, values=[]), "frame_count: 0, must be 1 to 2000000"),
        ("absurd", write_track(declared_frames=2000000), "need 16000128 (truncated)"),
        ("cut", write_track()[:-5], "(truncated)"),
        ("joint", write_track(joints=("right_elbow", "tail")), "joint 'tail' is not a joint of "
                                                               "g1-29dof"),
        ("robot", write_track(robot="t800"), "unknown robot model 't800'"),
    ]
    for name, data, msg in cases:
        path = os.path.join(d, name + ".mpkt")
        with open(path, "wb") as f:
            f.write(data)
        csv = os.path.join(out_dir, name + ".csv")
        _, err = run("export-csv", path, "-o", csv, expect=3)
        check(path in err and msg in err, "export-csv %s: %r lacks %r" % (name, err, msg))
        # validate reports a track's unknown joint as a finding (the 'track' rule) on stdout.
        out, err = run("validate", path, expect=3)
        vmsg = "tail: not a joint of g1-29dof" if name == "joint" else msg
        check(path in out + err and vmsg in out + err,
              "validate %s: %r lacks %r" % (name, out + err, vmsg))
        proj = os.path.join(d, "proj-" + name)
        shutil.copytree(EXAMPLE, proj)
        shutil.copy(path, os.path.join(proj, "motions", "wave.mpkt"))
        pj = os.path.join(proj, "mpk-project.json")
        doc = json.load(open(pj))
        doc["motions"][0]["source"] = {"type": "mpkt", "file": "motions/wave.mpkt"}
        json.dump(doc, open(pj, "w"))
        _, err = run("build", proj, "-o", os.path.join(out_dir, name + ".mpk"), "--key",
                     EXAMPLE_KEY, "--no-thumbnail", expect=1)
        check("motions/wave.mpkt" in err and (msg in err or name == "robot"),
              "build %s: %r lacks %r" % (name, err, msg))
        check(listing(out_dir) == [], "%s: nothing written: %s" % (name, listing(out_dir)))


def test_bad_projects(tmp):
    d = os.path.join(tmp, "bad-projects")
    os.mkdir(d)
    out_dir = os.path.join(d, "out")
    os.mkdir(out_dir)
    head = "# rate: 50\ntime,right_elbow,waist_yaw\n"
    ok_rows = "".join("%g,0.1,0\n" % (f / 50) for f in range(10))
    cases = [
        # (name, csv, extra, exit code, message parts)
        ("nan", head + "0,0,0\n0.02,nan,0\n", None, 1,
         ["motions/wave.csv: line 4, column 2 (right_elbow): nan is not a finite number"]),
        ("inf", head + "0,0,0\n0.02,0,-inf\n", None, 1, ["line 4, column 3 (waist_yaw)"]),
        ("text", head + "0,zero,0\n", None, 1, ["line 3, column 2 (right_elbow): 'zero' is not a number"]),
        ("columns", head + "0,0\n", None, 1, ["line 3: 2 columns, the header has 3"]),
        ("joint", "# rate: 50\ntime,tail\n" + "0,0\n0.02,0\n", None, 1,
         ["motions/wave.csv: joint 'tail' is not a joint of g1-29dof"]),
        ("rate0", "# rate: 0\ntime,right_elbow\n0,0\n", None, 1, ["line 1: rate: '0' must be between 1 and 1000"]),
        ("frames0", head, None, 1, ["motions/wave.csv: CSV: 0 data rows"]),
        ("limits", head + ok_rows + "0.2,3.0,0\n", None, 3,
         ["error: motion 'wave': right_elbow: position 3 rad at 0.2 s is beyond the upper limit",
          "mpk build: not built: 6 validation errors"]),
        ("field", head + ok_rows, {"speed": 2}, 1, ["mpk-project.json: motions[0].speed: unknown field"]),
        ("source", head + ok_rows, {"source": {"type": "csv", "file": "../wave.csv"}}, 1,
         ["mpk-project.json: motions[0].source.file: '../wave.csv' must not contain"]),
    ]
    for name, csv_text, extra, code, needles in cases:
        proj = make_project(d, name, csv_text, extra)
        out = os.path.join(out_dir, name + ".mpk")
        _, err = run("build", proj, "-o", out, "--key", EXAMPLE_KEY, expect=code)
        for n in needles:
            check(n in err, "%s: %r lacks %r" % (name, err, n))
        check(listing(out_dir) == [], "%s: nothing written: %s" % (name, listing(out_dir)))
    # Without the validation rules the format's own limit check still refuses the track.
    proj = os.path.join(d, "limits")
    _, err = run("build", proj, "-o", os.path.join(out_dir, "l.mpk"), "--key", EXAMPLE_KEY,
                 "--no-validate", expect=3)
    check("motion 'wave'" in err and
          "right_elbow at 0.2 s (frame 10): position 3 outside the limits" in err, err)
    check(listing(out_dir) == [], "limits: nothing written: %s" % listing(out_dir))
    # A project without a key and no --key: usage.
    proj = make_project(d, "nokey", head + ok_rows)
    pj = os.path.join(proj, "mpk-project.json")
    doc = json.load(open(pj))
    del doc["key"]
    json.dump(doc, open(pj, "w"))
    _, err = run("build", proj, "-o", os.path.join(out_dir, "k.mpk"), expect=2)
    check("no signing key" in err, err)
    run("build", os.path.join(d, "nowhere"), expect=1)
    # An output folder that does not exist: one clear line naming the output once.
    missing = os.path.join(d, "no-such-folder", "x.mpk")
    _, err = run("build", EXAMPLE, "-o", missing, "--no-thumbnail", expect=1)
    check(err.count(missing) == 1 and "cannot create temporary file" in err, err)


def main():
    tmp = tempfile.mkdtemp(prefix="cli-package.", dir=os.environ.get("MS_TEST_TMP"))
    try:
        steps = []
        test_every_help(tmp)
        test_help_and_usage(tmp)
        my_key, my_id = test_keygen(tmp)
        pkg, proj = test_build_verify_inspect(tmp, my_key, my_id)
        test_export_csv(tmp, pkg, proj)
        test_bad_packages(tmp, pkg)
        test_bad_projects(tmp)
        test_bad_tracks(tmp)
    except AssertionError as e:
        print("FAIL:", e)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("cli_package: all scenarios passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
