"""An independent TUF client against the store: python-tuf's ngclient (the reference
implementation) refreshes through a root rotation (1 -> 2 -> 3, new root keys then a new
snapshot key), downloads and verifies the catalog and a package.

python-tuf is not a project dependency and nothing of it is kept in the project: point
MS_PYTHON_TUF at a folder holding python-tuf (v5.x) and securesystemslib (v1.x) sources, as
`tuf/` and `sslib/` (for example unpacked from the snapshots the TUF conformance runner uses),
with Python's `cryptography` installed. Without it the test reports itself skipped (exit 77).
"""
import json
import os
import shutil
import sys

from storetest import Store, check, main

SKIP = 77


def scenario():
    base = os.environ.get("MS_PYTHON_TUF")
    if not base:
        print("MS_PYTHON_TUF is not set: skipped")
        sys.exit(SKIP)
    sys.path[:0] = [os.path.join(base, "tuf"), os.path.join(base, "sslib")]
    try:
        from tuf.ngclient import Updater
    except ImportError as e:
        print(f"python-tuf cannot be imported from {base}: {e}: skipped")
        sys.exit(SKIP)
    store = Store("store_python_tuf")
    try:
        alice = store.add_developer("alice", ["com.alice.*"])
        store.serve()
        for v in ("1.0.0", "1.1.0"):
            store.upload(store.mkpkg(alice, "com.alice.wave", v), alice.token, check=0)
        new = [os.path.join(store.base, f"new-root-{i}.json") for i in range(3)]
        store.cli("root", "keygen", *new)
        store.cli("root", "rotate", "--old-key", store.root_keys[0], "--old-key",
                  store.root_keys[1], *sum([["--new-key", n] for n in new], []))
        store.cli("key", "rotate", "snapshot", "--root-key", new[0], "--root-key", new[1])
        meta = os.path.join(store.base, "py-metadata")
        out = os.path.join(store.base, "py-targets")
        os.makedirs(meta)
        os.makedirs(out)
        shutil.copy(store.root, os.path.join(meta, "root.json"))
        updater = Updater(metadata_dir=meta, metadata_base_url=store.url + "/metadata/",
                          target_base_url=store.url + "/targets/", target_dir=out)
        updater.refresh()
        with open(os.path.join(meta, "root.json")) as f:
            check(json.load(f)["signed"]["version"] == 3, "python-tuf followed root to 3")
        for path in ("catalog.json", "packages/com.alice.wave/com.alice.wave-1.1.0.mpk"):
            info = updater.get_targetinfo(path)
            check(info is not None, f"{path} is a target")
            updater.download_target(info)
        with open(os.path.join(out, "catalog.json")) as f:
            cat = json.load(f)
        check([v["version"] for v in cat["packages"][0]["versions"]] == ["1.0.0", "1.1.0"], cat)
    finally:
        store.cleanup()


main(scenario)
