"""Bad input to the developer API and the file server: each is refused with a clear JSON 4xx
(or, for a client that stops sending, the connection is closed), and nothing is half-published:
the repository's metadata versions do not move, no file is left in incoming/, no rejected
package is kept, and the server keeps serving others meanwhile.
"""
import http.client
import json
import os
import socket
import time

from storetest import Store, check, main, prog, run

SMALL_CAP = 64 * 1024


def post(store, body, headers, chunked=False):
    conn = http.client.HTTPConnection("127.0.0.1", store.port, timeout=30)
    conn.request("POST", "/api/v1/uploads", body=body, headers=headers, encode_chunked=chunked)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, json.loads(data) if data else None


def raw(store, request, read=True, timeout=10):
    s = socket.create_connection(("127.0.0.1", store.port), timeout=timeout)
    s.sendall(request)
    out = b""
    if read:
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except socket.timeout:
            pass
    s.close()
    return out


def expect(store, what, status_json, status, code=None):
    got, body = status_json
    check(got == status, f"{what}: HTTP {got}, expected {status}: {body}")
    check(body is not None and "error" in body, f"{what}: a JSON error body: {body}")
    if code:
        codes = [r["code"] for r in body.get("reasons", [])] or [body["error"]]
        check(code in codes, f"{what}: reason {code} expected in {body}")
    check(store.incoming_files() == [], f"{what}: files left in incoming/: "
          f"{store.incoming_files()}")


def scenario():
    store = Store("store_bad", config={"max_upload": SMALL_CAP, "upload_timeout": 2,
                                       "upload_min_rate": 4096})
    try:
        alice = store.add_developer("alice", ["com.alice.*"])
        bob = store.add_developer("bob", ["com.bob.*"])
        mallory_key = os.path.join(store.base, "mallory.pem")
        run([prog("ms_store_mkpkg"), "genkey", mallory_key])
        store.serve()
        good = store.mkpkg(alice, "com.alice.wave", "1.0.0")
        store.upload(good, alice.token, check=0)
        before = store.status()
        with open(good, "rb") as f:
            good_bytes = f.read()
        auth = {"Authorization": f"Bearer {alice.token}"}

        # Tokens.
        expect(store, "no token", post(store, good_bytes, {}), 401, "unauthorized")
        expect(store, "not a bearer token", post(store, good_bytes, {"Authorization": "Basic x"}),
               401)
        expect(store, "wrong token", post(store, good_bytes, {
            "Authorization": "Bearer mst_" + "0" * 48}), 401, "unauthorized")
        revoked = store.cli_json("token", "issue", "alice")
        store.cli("token", "revoke", str(revoked["id"]))
        status, body = post(store, good_bytes, {"Authorization": f"Bearer {revoked['token']}"})
        expect(store, "revoked token", (status, body), 401)
        check("revoked" in body["message"], body)
        rc, answer, err = store.upload(good, revoked["token"])
        check(rc != 0 and "revoked" in answer["message"], f"mpk upload shows it: {answer}")
        rc, out, err = run([prog("mpk"), "upload", good, "--store", store.url, "--token",
                            revoked["token"]], check=False)
        check(rc == 1 and "revoked" in err, f"mpk upload prints the reason: {err}")

        # Package checks.
        forged = store.mkpkg(mallory_key, "com.alice.wave", "2.0.0", name="forged")
        rc, answer, _ = store.upload(forged, alice.token)
        check(rc == 1 and answer["reasons"][0]["code"] == "wrong-key", answer)
        expect(store, "signed by another key", (403, answer), 403, "wrong-key")
        other_ns = store.mkpkg(alice, "com.bob.wave", "1.0.0")
        rc, answer, _ = store.upload(other_ns, alice.token)
        expect(store, "another developer's namespace", (403 if rc else 0, answer), 403,
               "namespace")
        check("com.bob.wave" in answer["reasons"][0]["message"], answer)
        for version in ("1.0.0", "0.9.0", "1.0.0-rc.1"):
            old = store.mkpkg(alice, "com.alice.wave", version, name="again")
            rc, answer, _ = store.upload(old, alice.token)
            expect(store, f"version {version} not above 1.0.0", (409 if rc else 0, answer), 409,
                   "version")
        bad = store.mkpkg(alice, "com.alice.wave", "3.0.0", "--bad-limits", name="bad")
        rc, answer, _ = store.upload(bad, alice.token)
        expect(store, "motion outside joint limits", (422 if rc else 0, answer), 422, "invalid")
        check("limit" in answer["reasons"][0]["message"], answer)
        # Within limits, but a jump no robot may make: refused by the rules of `mpk validate`.
        fast = store.mkpkg(alice, "com.alice.wave", "3.0.1", "--too-fast", name="fast")
        rc, answer, _ = store.upload(fast, alice.token)
        expect(store, "motion breaking mpk validate's rules", (422 if rc else 0, answer), 422,
               "invalid")
        rules = " ".join(r["message"] for r in answer["reasons"])
        check("(jump)" in rules and "(velocity)" in rules, answer)
        expect(store, "malformed package", post(store, os.urandom(5000), auth), 422, "malformed")
        expect(store, "truncated zip", post(store, good_bytes[: len(good_bytes) // 2], auth), 422,
               "malformed")
        expect(store, "empty body", post(store, b"", auth), 400, "empty")

        # Size: declared too large (refused before reading), and chunked beyond the cap.
        big = store.mkpkg(alice, "com.alice.big", "1.0.0", "--pad", str(SMALL_CAP * 2))
        rc, answer, _ = store.upload(big, alice.token)
        expect(store, "oversized (Content-Length)", (413 if rc else 0, answer), 413, "too-large")
        with open(big, "rb") as f:
            big_bytes = f.read(SMALL_CAP + SMALL_CAP // 2)
        expect(store, "oversized (chunked)",
               post(store, iter([big_bytes[i:i + 8192] for i in range(0, len(big_bytes), 8192)]),
                    auth, chunked=True), 413, "too-large")

        # Truncated in transit: fewer bytes than the SHA-256 the client declared.
        import hashlib
        digest = hashlib.sha256(good_bytes).hexdigest()
        hdr = dict(auth)
        hdr["X-Content-SHA256"] = digest
        expect(store, "truncated body", post(store, good_bytes[:-100], hdr), 400, "truncated")
        # ...and a client that closes mid-body: no answer possible, nothing kept.
        raw(store, (f"POST /api/v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    f"{alice.token}\r\nContent-Length: {len(good_bytes)}\r\n\r\n").encode() +
            good_bytes[:300], read=False)
        time.sleep(0.5)
        check(store.incoming_files() == [], "client abort leaves nothing")

        # A stalling client: headers and part of the body, then nothing. The server closes
        # the connection after upload_timeout, and serves others meanwhile.
        s = socket.create_connection(("127.0.0.1", store.port), timeout=20)
        s.sendall((f"POST /api/v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                   f"{alice.token}\r\nContent-Length: {len(good_bytes)}\r\n\r\n").encode() +
                  good_bytes[:200])
        start = time.time()
        status, _, _ = store.get("/metadata/timestamp.json")
        check(status == 200 and time.time() - start < 1.5, "others are served during a stall")
        for _ in range(100):
            if store.incoming_files():
                break
            time.sleep(0.01)
        check(len(store.incoming_files()) == 1, "the stalled body is being received")
        closed = s.recv(100)
        waited = time.time() - start
        s.close()
        check(closed == b"" and waited < 10, f"stalled connection closed after {waited:.1f} s")
        time.sleep(0.3)
        check(store.incoming_files() == [], "stalled upload removed")
        # A client that trickles below upload_min_rate is dropped too.
        s = socket.create_connection(("127.0.0.1", store.port), timeout=20)
        s.sendall((f"POST /api/v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                   f"{alice.token}\r\nContent-Length: {len(good_bytes)}\r\n\r\n").encode())
        start, dropped = time.time(), False
        for i in range(40):
            try:
                s.sendall(good_bytes[i:i + 1])
            except OSError:
                dropped = True
                break
            time.sleep(0.25)
        if not dropped:
            s.settimeout(5)
            try:
                dropped = s.recv(100) == b""
            except OSError:
                dropped = True
        s.close()
        check(dropped and time.time() - start < 9, "trickling client dropped")
        time.sleep(0.3)
        check(store.incoming_files() == [], "trickled upload removed")

        # Path traversal and odd paths on the file server: never a file outside the repository.
        os.symlink(os.path.join(store.dir, "server.json"),
                   os.path.join(store.dir, "repository", "targets", "link.json"))
        os.symlink(store.dir, os.path.join(store.dir, "repository", "targets", "linkdir"))
        for path in ("/targets/linkdir/server.json", "/targets/linkdir/repository/../state.db",
                     "/metadata/../state.db", "/metadata/%2e%2e/server.json",
                     "/targets/..%2f..%2fserver.json", "/targets/../../server.json",
                     "/metadata//root.json", "/metadata/.hidden", "/targets/link.json",
                     "/../server.json", "/server.json", "/keys/targets.json",
                     "/metadata/root.json%00.png"):
            reply = raw(store, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        .encode())
            head = reply.split(b"\r\n", 1)[0]
            check(head.split()[1] in (b"400", b"404"), f"GET {path}: {head}")
            check(b"keyval" not in reply and b"max_upload" not in reply and b"SQLite" not in reply,
                  f"GET {path} leaked a file")
        status, body = store.api("/api/v1/nothing", alice.token)
        check(status == 404 and body["error"] == "not-found", body)
        status, _, body = store.get("/metadata/timestamp.json", method="POST", data=b"x")
        check(status == 405 and json.loads(body)["error"] == "method", body)
        # The refused path is quoted in the answer as JSON text, whatever it holds.
        reply = raw(store, b'DELETE /api/v1/up%22,%22x%22:%5c%22 HTTP/1.1\r\nHost: x\r\n'
                    b'Connection: close\r\n\r\n')
        head, _, body = reply.partition(b"\r\n\r\n")
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        check(b" 405 " in head.split(b"\r\n")[0] and answer is not None and
              answer.get("error") == "method" and "x" not in answer,
              f"405 with a path holding quotes: valid JSON: {reply!r}")

        # Nothing moved: metadata versions are those of the one good publish; only the good
        # package was kept; every refused upload that reached the checks is on record.
        after = store.status()
        for role in ("timestamp", "snapshot", "targets"):
            check(after[role]["version"] == before[role]["version"], f"{role} moved: {after}")
        kept = [f for f in os.listdir(os.path.join(store.dir, "uploads"))]
        check(len(kept) == 1, f"only the published package is kept: {kept}")
        check(after["uploads"]["published"] == 1 and after["uploads"]["rejected"] >= 9, after)
        view = store.client(download=True)
        check(view["packages"] == {"com.alice.wave": ["1.0.0"]} and view["verified"] == 1, view)
        db = store.db()
        aborts = db.execute("SELECT count(*) FROM audit WHERE action = 'upload.abort'").fetchone()
        check(aborts[0] >= 2, f"aborted uploads are in the audit log: {aborts}")
        db.close()
    finally:
        store.cleanup()


main(scenario)
