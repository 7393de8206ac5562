"""A store and a motiond for a test written in another language (the browser test): starts
mstore-server seeded with the example packages behind a proxy that holds package downloads
half-way until told, and motiond on the simulated robot; prints one JSON line with the page's
address and a pairing code; then obeys lines on stdin:
  open   let the held downloads finish
  code   print a fresh {"code": ...} line
and on end of input stops motiond (SIGTERM), prints {"stopped": exit code} and exits."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import motiond_testlib as T  # noqa: E402


def main():
    w = T.Workdir("motiond-fixture")
    store = gate = md = None
    rc = None
    try:
        store = T.Store(w.path)
        gate = T.GatedStore(store)
        md = T.Motiond(w.path, gate)
        md.token = None
        print(json.dumps({"url": md.url, "code": md.pairing_code(), "log": md.log_path,
                          "socket": md.socket}), flush=True)
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == "open":
                gate.open()
                print(json.dumps({"opened": True}), flush=True)
            elif cmd == "code":
                print(json.dumps({"code": md.pairing_code()}), flush=True)
        gate.open()
        rc = md.stop()
        print(json.dumps({"stopped": rc}), flush=True)
    finally:
        if md and md.proc:
            md.stop()
        if gate:
            gate.close()
        if store:
            store.stop()
        w.cleanup(keep=rc != 0)
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
