"""The whole path from a developer to a robot: `mpk upload` to mstore-server, the repository
served by nginx, and the robot's own `mstore` command updating, searching, installing,
verifying and upgrading from it; a yanked version disappears from the robot's search.
"""
import json
import os

from storetest import Nginx, Store, check, main, prog, run


def mstore(root, *args, check_rc=0):
    rc, out, err = run([prog("mstore"), "--root", root, "--json", "--quiet"] + list(args),
                       check=False)
    if check_rc is not None and rc != check_rc:
        raise AssertionError(f"mstore {' '.join(args)}: exit {rc}\n{out}\n{err}")
    return json.loads(out) if out.strip() else None


def scenario():
    store = Store("store_mstore")
    nginx = None
    try:
        alice = store.add_developer("alice", ["com.alice.*"])
        store.serve()
        store.upload(store.mkpkg(alice, "com.alice.wave", "1.0.0"), alice.token, check=0)
        store.upload(store.mkpkg(alice, "com.alice.dog", "1.0.0", "--robot", "go2"), alice.token,
                     check=0)
        nginx = Nginx(store)

        robot = os.path.join(store.base, "robot")
        etc = os.path.join(robot, "etc", "motionstore")
        os.makedirs(etc)
        with open(store.root) as f, open(os.path.join(etc, "root.json"), "w") as g:
            g.write(f.read())
        with open(os.path.join(etc, "config.json"), "w") as f:
            json.dump({"store": nginx.url, "robot": "g1-29dof", "runtime_version": "0.1.0"}, f)

        mstore(robot, "update")
        found = json.dumps(mstore(robot, "search"))
        check("com.alice.wave" in found and "com.alice.dog" not in found,
              f"search shows this robot's packages only: {found}")
        mstore(robot, "install", "com.alice.wave")
        mstore(robot, "verify")
        check("1.0.0" in json.dumps(mstore(robot, "list")), "installed 1.0.0")

        store.upload(store.mkpkg(alice, "com.alice.wave", "1.1.0"), alice.token, check=0)
        mstore(robot, "update")
        mstore(robot, "upgrade")
        mstore(robot, "verify")
        check("1.1.0" in json.dumps(mstore(robot, "list")), "upgraded to 1.1.0")

        store.cli("yank", "com.alice.wave", "1.1.0", "--reason", "test")
        mstore(robot, "update")
        info = json.dumps(mstore(robot, "info", "com.alice.wave"))
        check("1.1.0" not in info and "1.0.0" in info, f"yanked version gone: {info}")
    finally:
        if nginx:
            nginx.stop()
        store.cleanup()


main(scenario)
