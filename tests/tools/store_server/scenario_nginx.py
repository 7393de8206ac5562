"""The repository served by nginx with the shipped configuration, while uploads go to
mstore-server: a robot refreshes, downloads and verifies everything through nginx; Range,
ETag and cache headers match the server's; nothing outside the repository is reachable; the
developer API passes through nginx to mstore-server.
"""
import os

from storetest import Nginx, Store, check, main


def scenario():
    store = Store("store_nginx")
    nginx = None
    try:
        alice = store.add_developer("alice", ["com.alice.*"])
        store.serve()
        for v in ("1.0.0", "1.1.0"):
            store.upload(store.mkpkg(alice, "com.alice.wave", v), alice.token, check=0)
        nginx = Nginx(store)
        robot = os.path.join(store.base, "robot")
        view = store.client(robot, download=True, url=nginx.url)
        check(view["packages"] == {"com.alice.wave": ["1.0.0", "1.1.0"]} and
              view["verified"] == 2, view)

        # An upload through nginx's /api/ proxy, then the robot sees it through nginx.
        api = store.url
        store.url = nginx.url
        rc, answer, err = store.upload(store.mkpkg(alice, "com.alice.wave", "1.2.0"),
                                       alice.token, check=0)
        store.url = api
        check(answer["status"] == "published", answer)
        view = store.client(robot, download=True, url=nginx.url)
        check(view["packages"]["com.alice.wave"][-1] == "1.2.0" and view["verified"] == 3, view)

        # Headers: same policy as mstore-server.
        status, h, body = nginx.get("/metadata/timestamp.json")
        check(status == 200 and h["Cache-Control"] == "no-cache" and h["ETag"], dict(h))
        check(h["Content-Type"].startswith("application/json"), h["Content-Type"])
        status, h2, _ = nginx.get("/metadata/timestamp.json", {"If-None-Match": h["ETag"]})
        check(status == 304, f"conditional GET: {status}")
        status, h, _ = nginx.get(f"/metadata/{view['snapshot']}.snapshot.json")
        check(status == 200 and "immutable" in h["Cache-Control"], dict(h))
        pkgdir = os.path.join(store.dir, "repository", "targets", "packages", "com.alice.wave")
        name = sorted(os.listdir(pkgdir))[0]
        size = os.path.getsize(os.path.join(pkgdir, name))
        status, h, body = nginx.get(f"/targets/packages/com.alice.wave/{name}",
                                    {"Range": "bytes=10-19"})
        check(status == 206 and body == open(os.path.join(pkgdir, name), "rb").read()[10:20] and
              h["Content-Range"] == f"bytes 10-19/{size}", dict(h))
        check("immutable" in h["Cache-Control"], h["Cache-Control"])

        # Nothing outside the repository; no other methods.
        os.symlink(os.path.join(store.dir, "server.json"),
                   os.path.join(store.dir, "repository", "targets", "link.json"))
        for path in ("/state.db", "/../server.json", "/metadata/../../server.json",
                     "/targets/link.json", "/metadata/.x", "/keys/targets.json", "/"):
            status, _, body = nginx.get(path)
            check(status in (400, 403, 404) and b"keyval" not in body and
                  b"max_upload" not in body, f"GET {path}: {status}")
        status, _, _ = nginx.get("/metadata/timestamp.json", method="DELETE")
        check(status in (403, 405), f"DELETE: {status}")
    finally:
        if nginx:
            nginx.stop()
        store.cleanup()


main(scenario)
