"""mstore-server as a file server: Range (one range, suffix, open end, unsatisfiable, ignored
when If-Range does not match), ETag with If-None-Match, HEAD, content types and cache headers
(immutable for versioned metadata and hash-named targets, no-cache for timestamp.json and
root.json), JSON errors for unknown paths and methods, the health endpoint.
"""
import json
import os

from storetest import Store, check, main, prog, run


def scenario():
    store = Store("store_http")
    try:
        alice = store.add_developer("alice", ["com.alice.*"])
        store.serve()
        store.upload(store.mkpkg(alice, "com.alice.wave", "1.0.0", "--pad", "20000"),
                     alice.token, check=0)
        pkgdir = os.path.join(store.dir, "repository", "targets", "packages", "com.alice.wave")
        name = os.listdir(pkgdir)[0]
        with open(os.path.join(pkgdir, name), "rb") as f:
            data = f.read()
        url = f"/targets/packages/com.alice.wave/{name}"
        n = len(data)

        status, h, body = store.get(url)
        check(status == 200 and body == data, "whole file")
        check(h["Content-Length"] == str(n) and h["Accept-Ranges"] == "bytes", dict(h))
        check(h["Cache-Control"] == "public, max-age=31536000, immutable", h["Cache-Control"])
        check(h["Content-Type"] == "application/octet-stream" and h["ETag"].startswith('"'),
              dict(h))
        etag = h["ETag"]
        for rng, lo, hi in (("bytes=0-99", 0, 99), ("bytes=100-", 100, n - 1),
                            ("bytes=-50", n - 50, n - 1), (f"bytes=5-{n + 100}", 5, n - 1)):
            status, h, body = store.get(url, {"Range": rng})
            check(status == 206 and body == data[lo:hi + 1], f"{rng}: {status}")
            check(h["Content-Range"] == f"bytes {lo}-{hi}/{n}", f"{rng}: {h['Content-Range']}")
        status, h, _ = store.get(url, {"Range": f"bytes={n}-"})
        check(status == 416 and h["Content-Range"] == f"bytes */{n}", f"416: {status}")
        status, _, body = store.get(url, {"Range": "bytes=0-9", "If-Range": '"other"'})
        check(status == 200 and body == data, "If-Range mismatch gives the whole file")
        status, _, body = store.get(url, {"Range": "bytes=0-9", "If-Range": etag})
        check(status == 206 and body == data[:10], "If-Range match gives the range")
        status, _, body = store.get(url, {"Range": "bytes=0-1,5-6"})
        check(status == 200 and body == data, "several ranges: the whole file")
        status, _, body = store.get(url, {"If-None-Match": etag})
        check(status == 304 and body == b"", "If-None-Match")
        status, h, body = store.get(url, method="HEAD")
        check(status == 200 and body == b"" and h["Content-Length"] == str(n), "HEAD")

        status, h, body = store.get("/metadata/timestamp.json")
        check(status == 200 and h["Cache-Control"] == "no-cache", dict(h))
        check(h["Content-Type"] == "application/json" and json.loads(body)["signed"], dict(h))
        status, h, _ = store.get("/metadata/root.json")
        check(h["Cache-Control"] == "no-cache", "root.json changes on rotation")
        status, h, _ = store.get("/metadata/1.root.json")
        check("immutable" in h["Cache-Control"], "versioned root")
        status, h, _ = store.get("/metadata/2.targets.json")
        check(status == 200 and "immutable" in h["Cache-Control"], "versioned targets")

        status, h, body = store.get("/metadata/99.targets.json")
        check(status == 404 and json.loads(body)["error"] == "not-found", body)
        check(h["Content-Type"] == "application/json", "errors are JSON")
        status, h, body = store.get("/", method="GET")
        check(status == 404, "no listing")
        status, h, body = store.get(url, method="PUT", data=b"x")
        check(status == 405 and "GET" in h["Allow"], dict(h))
        status, h, body = store.get("/api/v1/uploads", method="DELETE")
        check(status == 405 and "POST" in h["Allow"], dict(h))
        status, _, body = store.get("/api/v1/health")
        check(status == 200 and json.loads(body) == {"status": "ok"}, body)
        status, body = store.api("/api/v1/uploads/abc", alice.token)
        check(status == 404, "bad upload number")

        # One server per store.
        rc, out, err = run([prog("mstore-server"), "serve", store.dir, "--port", "0"],
                           check=False, timeout=30)
        check(rc == 1 and "another mstore-server is serving this store" in err, err)
        status, _, _ = store.get("/api/v1/health")
        check(status == 200, "the first server still serves")
    finally:
        store.cleanup()


main(scenario)
