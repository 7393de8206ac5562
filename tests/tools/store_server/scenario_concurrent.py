"""50 concurrent uploads from 5 developers: every one is accounted for (published, with its own
upload number, in the catalog and the targets), the metadata is consistent (a robot verifies and
downloads all 50), and racing uploads of one version publish it exactly once.
"""
import os
import threading

from storetest import Store, check, main

DEVELOPERS = 5
PER_DEVELOPER = 10


def scenario():
    store = Store("store_concurrent")
    try:
        devs = [store.add_developer(f"dev{d}", [f"com.dev{d}.*"]) for d in range(DEVELOPERS)]
        store.serve()
        jobs = []
        for d, dev in enumerate(devs):
            for i in range(PER_DEVELOPER):
                jobs.append((dev, store.mkpkg(dev, f"com.dev{d}.motion{i}", f"1.{i}.0")))
        results = [None] * len(jobs)

        def upload(k):
            dev, path = jobs[k]
            results[k] = store.upload(path, dev.token)

        threads = [threading.Thread(target=upload, args=(k,)) for k in range(len(jobs))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses = [r[1]["status"] if r[1] else r[2] for r in results]
        check(all(r[0] == 0 for r in results), f"every upload succeeded: {statuses}")
        check(statuses == ["published"] * len(jobs), statuses)
        ids = {r[1]["upload"] for r in results}
        check(len(ids) == len(jobs), f"{len(ids)} distinct upload numbers")

        db = store.db()
        rows = db.execute("SELECT state, count(*) FROM uploads GROUP BY state").fetchall()
        check(rows == [("published", len(jobs))], rows)
        gen, synced = db.execute("SELECT generation, synced FROM repo").fetchone()
        check(gen == synced, f"repository up to date with the database: {gen} {synced}")
        db.close()
        view = store.client(download=True)
        check(view["verified"] == len(jobs), f"robot verified {view['verified']}")
        check(view["target_count"] == len(jobs) + 1, "every package and the catalog are targets")
        for d in range(DEVELOPERS):
            for i in range(PER_DEVELOPER):
                check(view["packages"].get(f"com.dev{d}.motion{i}") == [f"1.{i}.0"],
                      f"com.dev{d}.motion{i} in the catalog")
        for d, dev in enumerate(devs):
            status, mine = store.api("/api/v1/packages", dev.token)
            check(len(mine["packages"]) == PER_DEVELOPER, f"dev{d} sees their {PER_DEVELOPER}")

        # The same version raced by several uploads: published once, the rest refused.
        same = [store.mkpkg(devs[0], "com.dev0.race", "1.0.0", name=f"-{k}") for k in range(6)]
        race = [None] * len(same)

        def upload_same(k):
            race[k] = store.upload(same[k], devs[0].token)

        threads = [threading.Thread(target=upload_same, args=(k,)) for k in range(len(same))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        outcomes = sorted(r[1]["status"] for r in race)
        check(outcomes == ["published"] + ["rejected"] * (len(same) - 1), outcomes)
        check(all(r[1]["reasons"][0]["code"] == "version" for r in race
                  if r[1]["status"] == "rejected"), race)
        view = store.client()
        check(view["packages"]["com.dev0.race"] == ["1.0.0"], view["packages"])
        check(store.incoming_files() == [], "nothing left in incoming/")
    finally:
        store.cleanup()


main(scenario)
