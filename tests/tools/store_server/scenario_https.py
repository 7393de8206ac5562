"""HTTPS: nginx with a certificate in front of mstore-server (the production layout).
`mpk upload --cacert` publishes over TLS; without the CA the upload fails with a certificate
error and nothing is published; the robot's `mstore` updates and installs over TLS with the CA
in its configuration.
"""
import json
import os
import subprocess

from storetest import Nginx, Store, check, main, prog, run


def scenario():
    store = Store("store_https")
    nginx = None
    try:
        cert = os.path.join(store.base, "cert.pem")
        key = os.path.join(store.base, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                        key, "-out", cert], check=True, capture_output=True)
        alice = store.add_developer("alice", ["com.alice.*"])
        store.serve()
        nginx = Nginx(store, tls=(cert, key))
        pkg = store.mkpkg(alice, "com.alice.wave", "1.0.0")

        rc, out, err = run([prog("mpk"), "upload", pkg, "--store", nginx.url, "--token",
                            alice.token], check=False)
        check(rc == 1 and "certificate" in err.lower(), f"untrusted certificate refused: {err}")
        check(store.status()["uploads"] == {}, "nothing uploaded")
        rc, out, err = run([prog("mpk"), "upload", pkg, "--store", nginx.url, "--token",
                            alice.token, "--cacert", cert, "--json"])
        check(json.loads(out)["status"] == "published", out)

        robot = os.path.join(store.base, "robot")
        etc = os.path.join(robot, "etc", "motionstore")
        os.makedirs(etc)
        with open(store.root) as f, open(os.path.join(etc, "root.json"), "w") as g:
            g.write(f.read())
        with open(os.path.join(etc, "config.json"), "w") as f:
            json.dump({"store": nginx.url, "robot": "g1-29dof", "ca_file": cert}, f)
        for args in (["update"], ["install", "com.alice.wave"], ["verify"]):
            run([prog("mstore"), "--root", robot, "--quiet"] + args)
    finally:
        if nginx:
            nginx.stop()
        store.cleanup()


main(scenario)
