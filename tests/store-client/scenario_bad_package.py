"""Malicious packages served by a store whose metadata is sound (a developer key that signs evil
archives, or a store that publishes them): zip-slip, absolute paths, symlinks, devices, zip
bombs, encrypted, duplicate, extra and missing entries, changed bytes, a changed manifest, and a
tar instead of a zip. Each must fail with a clear error, install nothing, write nothing outside
the staging folder and leave the installation unchanged. Python's zipfile crafts the archives."""
import io
import os
import sys
import tarfile
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
from mstore_testlib import (Repo, Robot, Server, check, finish, package_key_id,  # noqa: E402
                            workdir)

base = workdir("mstore-badpkg")
repo = Repo(base)
good = repo.make_package("com.example.wave", "1.0.0")
repo.add(good)
repo.publish()
srv = Server(repo.dir)
robot = Robot(base, repo.root_json(), store=srv.url)
check(robot.mstore("install", "com.example.wave").returncode == 0, "install a good package")
before = robot.state_digest()
KEY = package_key_id(good)
escape = os.path.join(base, "escaped.txt")


def entries(path):
    with zipfile.ZipFile(path) as z:
        return [(i, z.read(i.filename)) for i in z.infolist()]


def write_zip(path, items):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point of one case
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for info, data in items:
                z.writestr(info, data)


def info(name, mode=None, flag=0):
    i = zipfile.ZipInfo(name, (2000, 1, 1, 0, 0, 0))
    i.compress_type = zipfile.ZIP_DEFLATED
    i.create_system = 3
    if mode is not None:
        i.external_attr = mode << 16
    i.flag_bits |= flag
    return i


cases = []


def case(name, codes, build):
    cases.append((name, codes, build))


def evil(version, mutate):
    """A package of com.example.evil VERSION, properly signed, then mutated into an archive."""
    src = repo.make_package("com.example.evil", version)
    items = entries(src)
    out = os.path.join(base, f"evil-{version}.mpk")
    mutate(items, out)
    return out


def with_extra(extra):
    def m(items, out):
        write_zip(out, items + extra)
    return m


def replace(name, new_info=None, data=None):
    def m(items, out):
        res = []
        for i, d in items:
            if i.filename == name:
                if new_info is None and data is None:
                    continue  # dropped
                res.append((new_info or i, d if data is None else data))
            else:
                res.append((i, d))
        write_zip(out, res)
    return m


case("zip-slip ../ path", {9}, lambda v: evil(v, with_extra([(info("../../escaped.txt"), b"x")])))
case("absolute path", {9}, lambda v: evil(v, with_extra([(info(escape), b"x")])))
case("symlink entry", {9}, lambda v: evil(v, replace(
    "motions/main.mpkt", info("motions/main.mpkt", 0o120777), b"/etc/passwd")))
case("symlink beside the files", {9}, lambda v: evil(v, with_extra(
    [(info("motions/link", 0o120777), b"../../../../escaped.txt")])))
case("character device", {9}, lambda v: evil(v, replace(
    "motions/main.mpkt", info("motions/main.mpkt", 0o020644), b"")))
case("zip bomb (200 MB of zeros in a listed file)", {9}, lambda v: evil(v, replace(
    "motions/main.mpkt", None, bytes(200 * 1024 * 1024))))
def set_encrypted(name):
    """zipfile clears flag bits when writing: set the 'encrypted' bit (bit 0) of one entry in
    its local header and its central directory record afterwards."""
    def m(items, out):
        write_zip(out, items)
        with zipfile.ZipFile(out) as z:
            off = z.getinfo(name).header_offset
        data = bytearray(open(out, "rb").read())
        data[off + 6] |= 1
        pos = 0
        while (pos := data.find(b"PK\x01\x02", pos)) >= 0:
            nlen = data[pos + 28] | data[pos + 29] << 8
            if data[pos + 46:pos + 46 + nlen] == name.encode():
                data[pos + 8] |= 1
            pos += 4
        open(out, "wb").write(bytes(data))
    return m


case("encrypted entry", {9}, lambda v: evil(v, set_encrypted("motions/main.mpkt")))
case("duplicate entry", {9}, lambda v: evil(v, lambda items, out: write_zip(
    out, items + [it for it in items if it[0].filename == "motions/main.mpkt"])))
case("duplicate manifest.json", {9}, lambda v: evil(v, lambda items, out: write_zip(
    out, items + [it for it in items if it[0].filename == "manifest.json"])))
case("extra entry", {9}, lambda v: evil(v, with_extra([(info("assets/extra.bin"), b"extra")])))
case("missing entry", {9}, lambda v: evil(v, replace("motions/main.mpkt")))
case("changed bytes of a listed file", {4}, lambda v: evil(v, lambda items, out: write_zip(
    out, [(i, (bytes([d[0] ^ 1]) + d[1:]) if i.filename == "motions/main.mpkt" else d)
          for i, d in items])))
case("manifest changed after signing", {4}, lambda v: evil(v, lambda items, out: write_zip(
    out, [(i, d.replace(b"Test wave", b"Evil wave") if i.filename == "manifest.json" else d)
          for i, d in items])))
case("no signature", {9}, lambda v: evil(v, replace("signature.json")))


def nul_in_name(items, out):
    """The listed track stored as 'motions/main.mpkt<NUL>../../escaped.txt': a reader that stops
    at the NUL sees the listed name, another one a path out of the folder."""
    tail = b"Q../../escaped.txt"
    write_zip(out, [(info(i.filename + tail.decode()) if i.filename == "motions/main.mpkt" else i,
                     d) for i, d in items])
    with open(out, "rb") as f:
        data = f.read().replace(b"main.mpkt" + tail, b"main.mpkt\0" + tail[1:])
    with open(out, "wb") as f:
        f.write(data)


case("a NUL byte in an entry name", {9}, lambda v: evil(v, nul_in_name))


def tar_instead(version):
    src = repo.make_package("com.example.evil", version)
    out = os.path.join(base, f"evil-{version}.mpk")
    with tarfile.open(out, "w") as t:
        for i, d in entries(src):
            ti = tarfile.TarInfo(i.filename)
            ti.size = len(d)
            t.addfile(ti, io.BytesIO(d))
    return out


case("a tar archive, not a zip", {9}, tar_instead)
case("not an archive at all", {9}, lambda v: (open(os.path.join(base, "junk.mpk"), "wb").write(
    os.urandom(5000)), os.path.join(base, "junk.mpk"))[1])

for n, (name, codes, build) in enumerate(cases):
    version = f"1.0.{n + 1}"
    path = build(version)
    repo.add(path, id="com.example.evil", version=version, key_id=KEY)
    repo.publish()
    r = robot.mstore("install", f"com.example.evil@{version}")
    msg = r.stderr.strip()
    check(r.returncode in codes and "com.example.evil" in msg, f"{name}: exit {r.returncode}: {msg}")
    check(robot.state_digest() == before, f"{name}: installation unchanged")
    check(not os.path.exists(escape) and not os.path.exists("/escaped.txt"),
          f"{name}: nothing written outside")
    staging = [d for d in os.listdir(os.path.join(robot.state, "packages")) if d != "com.example.wave"]
    check(staging == [], f"{name}: no staging leftovers: {staging}")

check(robot.mstore("verify").returncode == 0, "verify passes after every attack")
check(robot.installed() == {"com.example.wave": "1.0.0"}, "only the good package is installed")
srv.stop()
finish()
