"""Catalog thumbnails end to end: packages published with a thumbnail on a real mstore-server, not
installed on the robot; the phone asks motiond for the thumbnail of a catalog entry
(GET /api/v1/catalog/ID/thumbnail) and gets exactly the PNG inside the package, fetched from the
store and verified through the TUF metadata (libmstore's mstore_client_fetch_target). A thumbnail
file tampered with on the server is refused; a cached copy tampered with on the robot is fetched
again; a cached one is served with the store gone."""
import hashlib
import json
import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import motiond_testlib as T  # noqa: E402
from motiond_testlib import WAVE, check  # noqa: E402

BOW = "org.motionstore.examples.g1-bow"


def package(pid):
    return [p for p in T.example_packages() if os.path.basename(p).startswith(pid + "-")][0]


def thumbnail_in(mpk):
    """The package's thumbnail bytes and its target path on the store."""
    with zipfile.ZipFile(mpk) as z:
        m = json.loads(z.read("manifest.json"))
        data = z.read(m["thumbnail"])
    ext = os.path.splitext(m["thumbnail"])[1]
    return data, f"packages/{m['id']}/{m['id']}-{m['version']}-thumbnail{ext}"


def served_file(store, target):
    """The store's file of a target (its consistent-snapshot name: <sha256>.<name>)."""
    d, name = os.path.split(target)
    folder = os.path.join(store.dir, "repository", "targets", d)
    hits = [f for f in os.listdir(folder) if f.endswith("." + name) and len(f) == len(name) + 65]
    return os.path.join(folder, hits[0])


def cached_file(md, target):
    return os.path.join(md.root, "var", "cache", "motionstore", "targets",
                        hashlib.sha256(target.encode()).hexdigest())


def main():
    w = T.Workdir("motiond-catalog-thumbnail")
    store = md = None
    ok = False
    try:
        store = T.Store(w.path, packages=[package(WAVE), package(BOW)])
        md = T.Motiond(w.path, store)
        md.pair()
        md.wait_jobs_idle()
        wave_png, wave_target = thumbnail_in(package(WAVE))
        bow_png, bow_target = thumbnail_in(package(BOW))
        check(wave_png.startswith(b"\x89PNG") and bow_png.startswith(b"\x89PNG"),
              "the example packages carry PNG thumbnails")

        cat = {p["id"]: p for p in md.get("/api/v1/catalog").json["packages"]}
        check(cat[WAVE]["has_thumbnail"] and cat[WAVE]["installed"] is None,
              "the catalog lists the wave, with a thumbnail, not installed")
        check(md.get("/api/v1/packages").json["packages"] == [], "nothing is installed")
        r = md.get(f"/api/v1/catalog/{WAVE}/thumbnail")
        check(r.status == 200 and r.headers["Content-Type"] == "image/png",
              f"the catalog thumbnail of a package not installed: {r.status}")
        check(r.body == wave_png, "it is exactly the PNG inside the package")
        check(os.path.exists(cached_file(md, wave_target)), "the robot keeps the verified copy")
        check(md.get(f"/api/v1/packages/{WAVE}/thumbnail").status == 404,
              "the installed-package route still knows only installed packages")

        # The store's file changed (same length): refused, nothing of it reaches the phone.
        path = served_file(store, bow_target)
        with open(path, "r+b") as f:
            f.seek(len(bow_png) // 2)
            byte = f.read(1)
            f.seek(len(bow_png) // 2)
            f.write(bytes([byte[0] ^ 0xFF]))
        r = md.get(f"/api/v1/catalog/{BOW}/thumbnail")
        check(r.status == 502 and r.json and r.json["error"] == "store" and
              "sha256" in r.json["message"],
              f"a tampered thumbnail on the server is refused: {r.status} {r.body[:200]!r}")
        check(not os.path.exists(cached_file(md, bow_target)), "and not kept")
        with open(path, "r+b") as f:
            f.seek(len(bow_png) // 2)
            f.write(byte)
        r = md.get(f"/api/v1/catalog/{BOW}/thumbnail")
        check(r.status == 200 and r.body == bow_png, "the genuine file is served once restored")

        # The robot's cached copy changed: not believed, fetched again from the store.
        with open(cached_file(md, wave_target), "r+b") as f:
            f.seek(10)
            f.write(b"X")
        r = md.get(f"/api/v1/catalog/{WAVE}/thumbnail")
        check(r.status == 200 and r.body == wave_png, "a corrupted cached copy is fetched again")

        r = md.get("/api/v1/catalog/org.example.none/thumbnail")
        check(r.status == 404 and r.json["error"] == "not-found", "a package not in the catalog")
        check(md.get("/api/v1/catalog/..%2Fx/thumbnail").status == 404, "a bad id")

        # Installed: the same picture both ways.
        check(md.install(WAVE)["state"] == "done", "install the wave")
        r = md.get(f"/api/v1/packages/{WAVE}/thumbnail")
        check(r.status == 200 and r.body == wave_png, "the installed thumbnail is the same PNG")

        # The store gone: cached thumbnails still come, from the stored (unexpired) metadata.
        store.stop()
        r = md.get(f"/api/v1/catalog/{BOW}/thumbnail")
        check(r.status == 200 and r.body == bow_png, "a cached thumbnail with the store down")
        ok = not T.FAILURES
    finally:
        if md:
            rc = md.stop()
            check(rc == 0, f"motiond stops cleanly ({rc})")
        if store:
            store.stop()
        w.cleanup(keep=not ok)
    T.finish()


if __name__ == "__main__":
    main()
