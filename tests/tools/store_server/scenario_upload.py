"""Upload -> publish -> the repository verifies with libmstore's client.

A developer registered by the operator uploads signed packages with `mpk upload`; each is
published at once (no review), the catalog lists it with its texts, robots, category, size,
developer key id, thumbnail and publish time, and a robot-side TUF client refreshes, downloads and
verifies every package. Also: the developer API (status, own packages), the config-file form of
`mpk upload`, tokens stored hashed, the audit log.
"""
import json
import os
import struct
import zlib

from storetest import Store, check, main, prog, run


def tiny_png(path):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)) +
           chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(png)


def scenario():
    store = Store("store_upload")
    try:
        alice = store.add_developer("alice", ["com.alice.*"])
        store.serve()
        first = store.client()
        check(first["packages"] == {}, f"a new store has an empty catalog: {first}")

        pkg = store.mkpkg(alice, "com.alice.wave", "1.0.0")
        rc, answer, err = store.upload(pkg, alice.token, check=0)
        check(answer["status"] == "published", f"published at once: {answer}")
        check(answer["target"] == "packages/com.alice.wave/com.alice.wave-1.0.0.mpk", answer)

        thumb = os.path.join(store.base, "thumb.png")
        tiny_png(thumb)
        pkg2 = store.mkpkg(alice, "com.alice.wave", "1.1.0", "--thumbnail", thumb)
        store.upload(pkg2, alice.token, check=0)
        pkg3 = store.mkpkg(alice, "com.alice.bow", "0.1.0-beta.1", "--robot", "go2")
        store.upload(pkg3, alice.token, check=0)

        view = store.client(download=True)
        check(view["packages"] == {"com.alice.bow": ["0.1.0-beta.1"],
                                   "com.alice.wave": ["1.0.0", "1.1.0"]}, view["packages"])
        check(view["verified"] == 3, f"every package downloaded and verified: {view}")
        # 3 packages + 1 thumbnail + the catalog
        check(view["target_count"] == 5, f"targets: {view['target_count']}")
        check(view["timestamp"] == view["snapshot"] == view["targets"] == 4,
              "init published version 1, then one publish per upload")

        cat = {p["id"]: p for p in view["catalog"]["packages"]}
        wave = cat["com.alice.wave"]
        check(wave["latest"] == "1.1.0", wave)
        check(wave["names"] == {"en": "Test motion", "zh": "测试动作"}, wave["names"])
        check(wave["descriptions"]["en"].startswith("A motion"), wave["descriptions"])
        check(wave["robots"] == ["g1-29dof"] and cat["com.alice.bow"]["robots"] == ["go2"], cat)
        check(wave["category"] == "gesture" and wave["developer"] == "alice", wave)
        devs = store.cli_json("developer", "list")
        check(wave["key_id"] == devs[0]["key_id"], "catalog names the developer's key id")
        check(wave["thumbnail"] == "packages/com.alice.wave/com.alice.wave-1.1.0-thumbnail.png",
              wave["thumbnail"])
        v11 = wave["versions"][1]
        check(v11["size"] == os.path.getsize(pkg2), "size of the package")
        check(v11["published"].endswith("Z") and len(v11["published"]) == 20, v11["published"])
        check(wave["versions"][0]["thumbnail"] is None, "1.0.0 has no thumbnail")
        status, headers, body = store.get("/targets/" + "packages/com.alice.wave/" +
                                          os.listdir(os.path.join(
                                              store.dir, "repository/targets/packages/"
                                              "com.alice.wave"))[0])
        check(status == 200, "target files are served")

        # Developer API: upload status and the developer's own packages.
        status, up = store.api(f"/api/v1/uploads/{answer['upload']}", alice.token)
        check(status == 200 and up["status"] == "published" and up["id"] == "com.alice.wave", up)
        status, mine = store.api("/api/v1/packages", alice.token)
        check(status == 200 and len(mine["packages"]) == 3, mine)
        status, lst = store.api("/api/v1/uploads", alice.token)
        check(status == 200 and len(lst["uploads"]) == 3, lst)
        bob = store.add_developer("bob", ["org.bob.*"])
        status, other = store.api(f"/api/v1/uploads/{answer['upload']}", bob.token)
        check(status == 404, "another developer's upload is not visible")

        # mpk upload from a config file, and the human output.
        cfg = os.path.join(store.base, "mpk.json")
        with open(cfg, "w") as f:
            json.dump({"store": store.url, "token": alice.token}, f)
        pkg4 = store.mkpkg(alice, "com.alice.wave", "1.2.0")
        env = dict(os.environ, MPK_CONFIG=cfg)
        env.pop("MPK_TOKEN", None)
        env.pop("MPK_STORE_URL", None)
        rc, out, err = run([prog("mpk"), "upload", pkg4], env=env)
        check("com.alice.wave 1.2.0 published" in out, out)

        # Tokens are stored hashed: the secret never appears in the database.
        db = store.db()
        hashes = [r[0] for r in db.execute("SELECT hash FROM tokens")]
        check(alice.token not in hashes and all(len(h) == 64 for h in hashes), hashes)
        with open(os.path.join(store.dir, "state.db"), "rb") as f:
            check(alice.token.encode() not in f.read(), "token text in the database file")
        check(db.execute("PRAGMA journal_mode").fetchone()[0] == "wal", "WAL mode")
        actions = [r[0] for r in db.execute("SELECT action FROM audit")]
        for a in ("init", "developer.add", "token.issue", "upload", "publish"):
            check(a in actions, f"audit log has {a}: {actions}")
        db.close()

        # A client that already trusts the old state moves forward to the new one.
        again = store.client()
        check(again["packages"]["com.alice.wave"] == ["1.0.0", "1.1.0", "1.2.0"], again)
        st = store.status()
        check(st["uploads"] == {"published": 4}, st)

        # Rows without the precomputed catalog texts (as a database from before migration 2
        # has them) publish the same catalog.
        db = store.db()
        db.execute("UPDATE uploads SET catalog_version = NULL, catalog_package = NULL")
        db.execute("UPDATE repo SET generation = generation + 1")
        db.commit()
        db.close()
        store.cli("publish")
        rebuilt = store.client()
        check(rebuilt["packages"] == again["packages"], "catalog rebuilt from the entries")
        old_cat = {p["id"]: p for p in again["catalog"]["packages"]}
        for p in rebuilt["catalog"]["packages"]:
            check(p == old_cat[p["id"]], f"same catalog entry for {p['id']}")
    finally:
        store.cleanup()


main(scenario)
