"""`mpk upload` on a terminal: a progress bar on stderr (file name, bar, percent, bytes, rate),
redrawn in place while the body goes out, then a line saying the store is checking it; none in
a pipe. A rejection on a terminal shows the store's reasons and exits non-zero."""
import os
import pty
import re
import subprocess

from storetest import Store, check, main, prog


def upload_on_terminal(store, path, token):
    """mpk upload with stderr on a pseudo-terminal: (exit, stdout, stderr)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([prog("mpk"), "upload", path, "--store", store.url, "--token", token],
                         stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the last holder of the terminal closed it
            break
        if not chunk:
            break
        err += chunk
    os.close(master)
    out = p.stdout.read().decode()
    p.stdout.close()
    return p.wait(120), out, err.decode(errors="replace")


def scenario():
    store = Store("store_terminal")
    try:
        alice = store.add_developer("alice", ["com.alice.*"])
        store.serve()
        pkg = store.mkpkg(alice, "com.alice.big", "1.0.0", "--pad", "4000000")
        size_kb = os.path.getsize(pkg) / 1024
        rc, out, err = upload_on_terminal(store, pkg, alice.token)
        check(rc == 0 and "published" in out, f"upload on a terminal: {rc} {out!r} {err[-300:]!r}")
        frames = [f for f in err.split("\r") if f.startswith("com.alice.big-1.0.0.mpk")]
        pattern = re.compile(r"com\.alice\.big-1\.0\.0\.mpk +\[(#*) *\] +(\d+)% +([\d.]+)/([\d.]+)"
                             r" kB +[\d.]+ kB/s")
        parsed = [m for m in map(pattern.match, frames) if m]
        check(len(parsed) == len(frames) and len(frames) >= 3,
              f"the bar is redrawn in place, each frame whole: {len(parsed)} of {len(frames)}")
        percents = [int(m.group(2)) for m in parsed]
        check(percents == sorted(percents) and percents and percents[-1] == 100 and
              percents[0] < 100, f"percent rises to 100: {percents}")
        if parsed:
            last = parsed[-1]
            check(last.group(1) == "#" * 30 and last.group(3) == last.group(4) and
                  abs(float(last.group(4)) - size_kb) < 0.1,
                  f"the last frame is full, at the file's size ({size_kb:.1f} kB): {frames[-1]!r}")
        check("sent; the store is checking the package..." in err,
              f"then says the store is checking: {err[-200:]!r}")

        # In a pipe: no bar.
        pkg2 = store.mkpkg(alice, "com.alice.big", "1.1.0", "--pad", "1000000")
        rc, answer, err = store.upload(pkg2, alice.token, check=0)
        check("\r" not in err and "kB/s" not in err, f"no bar in a pipe: {err!r}")

        # A rejection on a terminal: the reason, a non-zero exit.
        rc, out, err = upload_on_terminal(store, pkg2, alice.token)
        check(rc != 0 and "1.1.0" in out + err and "version" in (out + err).lower(),
              f"an equal version is refused with the reason shown: {rc} {out!r} {err[-400:]!r}")
    finally:
        store.cleanup()


main(scenario)
