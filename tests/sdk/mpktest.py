"""What the mpk scenario tests share: running the real mpk program and checking what it did."""
import os
import subprocess

SRC = os.environ["MS_SOURCE_DIR"]
BIN = os.environ["MS_BIN_DIR"]
MPK = os.path.join(BIN, "mpk")
EXAMPLE_KEY = os.path.join(SRC, "packages", "keys", "example.key")


def run(*args, cwd=None, expect=0, mpk=MPK, env=None):
    """Runs mpk (without SOURCE_DATE_EPOCH unless env sets it); checks the exit code; returns
    (stdout, stderr)."""
    e = dict(os.environ)
    e.pop("SOURCE_DATE_EPOCH", None)
    e.update(env or {})
    p = subprocess.run([mpk, *args], cwd=cwd, capture_output=True, text=True, env=e)
    if p.returncode != expect:
        raise AssertionError("mpk %s: exit %d, expected %d\nstdout: %s\nstderr: %s" %
                             (" ".join(args), p.returncode, expect, p.stdout, p.stderr))
    return p.stdout, p.stderr


def check(cond, what):
    if not cond:
        raise AssertionError(what)
