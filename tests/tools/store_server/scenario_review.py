"""Review flow and yank.

With review on, an upload waits in the queue (202, not in the repository); the operator rejects
one with a reason the developer then sees, and approves another, which is published and verifies
with the client. Yanking a version removes it from the targets and the catalog (a client that
refreshes no longer sees it, and the repository still verifies), and the version number stays
taken. Every decision is in the audit log.
"""
from storetest import Store, check, main


def scenario():
    store = Store("store_review", review=True)
    try:
        alice = store.add_developer("alice", ["com.alice.*"])
        store.serve()
        robot = store.base + "/robot"  # one robot that keeps its trusted metadata throughout

        pkg1 = store.mkpkg(alice, "com.alice.wave", "1.0.0")
        rc, a1, _ = store.upload(pkg1, alice.token, check=0)
        check(a1["status"] == "queued", f"waits for review: {a1}")
        queue = store.cli_json("review", "list")
        check([q["upload"] for q in queue] == [a1["upload"]], queue)
        view = store.client(robot)
        check(view["packages"] == {}, "nothing published before review")

        rc, out, err = store.cli("review", "reject", str(a1["upload"]), check=False)
        check(rc == 2, "a rejection needs a reason")
        store.cli("review", "reject", str(a1["upload"]), "--reason", "the wave hits the head")
        status, up = store.api(f"/api/v1/uploads/{a1['upload']}", alice.token)
        check(up["status"] == "rejected" and
              up["reasons"][0]["message"] == "the wave hits the head", up)
        rc, out, err = store.cli("review", "approve", str(a1["upload"]), check=False)
        check(rc == 1 and "not waiting for review" in err, err)

        pkg2 = store.mkpkg(alice, "com.alice.wave", "1.0.1")
        rc, a2, _ = store.upload(pkg2, alice.token, check=0)
        pkg3 = store.mkpkg(alice, "com.alice.wave", "1.0.2")
        rc, a3, _ = store.upload(pkg3, alice.token, check=0)
        check(len(store.cli_json("review", "list")) == 2, "two in the queue")
        # Queued versions count for ordering: 1.0.1 again is refused while it waits.
        again = store.mkpkg(alice, "com.alice.wave", "1.0.1", name="again")
        rc, ans, _ = store.upload(again, alice.token)
        check(rc == 1 and ans["reasons"][0]["code"] == "version", ans)

        store.cli("review", "approve", str(a2["upload"]))
        store.cli("review", "approve", str(a3["upload"]), "--reason", "fine")
        view = store.client(robot, download=True)
        check(view["packages"] == {"com.alice.wave": ["1.0.1", "1.0.2"]}, view)
        check(view["verified"] == 2, view)

        # Yank 1.0.2: gone from targets and catalog; the robot's next refresh verifies.
        rc, out, err = store.cli("yank", "com.alice.wave", "1.0.2", check=False)
        check(rc == 2, "yank needs a reason")
        rc, out, err = store.cli("yank", "com.alice.wave", "9.9.9", "--reason", "x", check=False)
        check(rc == 1, "yank of an unknown version fails")
        store.cli("yank", "com.alice.wave", "1.0.2", "--reason", "hurts the elbow")
        view = store.client(robot, download=True)
        check(view["packages"] == {"com.alice.wave": ["1.0.1"]}, view)
        check(view["target_count"] == 2, f"package and catalog only: {view['target_count']}")
        fresh = store.client(download=True)
        check(fresh["packages"] == view["packages"], "a new robot sees the same")
        status, mine = store.api("/api/v1/packages", alice.token)
        states = {p["version"]: p["status"] for p in mine["packages"]}
        check(states == {"1.0.1": "published", "1.0.2": "yanked"}, states)
        # The yanked number stays taken.
        rc, ans, _ = store.upload(store.mkpkg(alice, "com.alice.wave", "1.0.2", name="re"),
                                  alice.token)
        check(rc == 1 and ans["reasons"][0]["code"] == "version", ans)

        db = store.db()
        actions = [r[0] for r in db.execute("SELECT action FROM audit ORDER BY id")]
        for a in ("review.reject", "review.approve", "yank", "publish"):
            check(a in actions, f"audit log has {a}")
        reviews = db.execute("SELECT decision, reason FROM reviews ORDER BY id").fetchall()
        check(reviews[0] == ("reject", "the wave hits the head"), reviews)
        db.close()

        # The same flow while the server is stopped works too (admin commands beside or
        # without a running server), and the server picks up the result when it starts.
        store.stop()
        rc, a4, _ = (0, None, None)
        store.serve()
        pkg4 = store.mkpkg(alice, "com.alice.bow", "1.0.0")
        rc, a4, _ = store.upload(pkg4, alice.token, check=0)
        store.stop()
        store.cli("review", "approve", str(a4["upload"]))
        store.serve()
        view = store.client(robot)
        check(view["packages"].get("com.alice.bow") == ["1.0.0"], view)

        # The admin listings.
        rejected = store.cli_json("uploads", "--state", "rejected")
        check(a1["upload"] in [u["upload"] for u in rejected], rejected)
        audit = store.cli_json("audit", "--limit", "5")
        check(len(audit) == 5 and all(a["time"].endswith("Z") for a in audit), audit)
        tokens = store.cli_json("token", "list")
        check(tokens and all("token" not in t and "hash" not in t for t in tokens),
              "token list never shows secrets")
        rc, out, err = store.cli("audit")
        check("review.reject" in out, "human-readable audit log")
        # Removing a developer revokes their tokens and frees their namespace; what they
        # published stays.
        store.cli("developer", "remove", "alice")
        status, body = store.api("/api/v1/uploads", alice.token)
        check(status == 401, f"removed developer's token: {status}")
        carol = store.add_developer("carol", ["com.alice.*"])
        check(carol.token.startswith("mst_"), "namespace given to another developer")
        view = store.client(robot)
        check("com.alice.wave" in view["packages"], "published packages stay")
    finally:
        store.cleanup()


main(scenario)
