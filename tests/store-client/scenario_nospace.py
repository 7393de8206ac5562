"""Free disk space: the robot's var/ is a small tmpfs (in a private mount namespace), and a
package larger than the room left is refused before it is downloaded, with exit 8, a message
naming the space, and nothing installed; a small package still installs there. Exits 77
(skipped) where mount namespaces are not allowed."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from mstore_testlib import MSTORE, Repo, Robot, Server, check, finish, workdir  # noqa: E402

base = workdir("mstore-nospace")
probe = os.path.join(base, "probe")
os.makedirs(probe)
if subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=1m tmpfs {probe}"],
                  capture_output=True).returncode != 0:
    print("mount namespaces are not available: skipped")
    sys.exit(77)

repo = Repo(base)
repo.add(repo.make_package("com.example.small", "1.0.0"))
repo.add(repo.make_package("com.example.big", "1.0.0", pad=30 * 1000 * 1000))
repo.publish()
srv = Server(repo.dir)
robot = Robot(base, repo.root_json(), store=srv.url)
var = os.path.join(robot.root, "var")
os.makedirs(var, exist_ok=True)


def in_small_disk(*commands):
    """Runs mstore commands with ROOT/var on a fresh 40 MB tmpfs; returns their results."""
    script = f"mount -t tmpfs -o size=40m tmpfs '{var}' || exit 99\n"
    for i, c in enumerate(commands):
        args = " ".join(f"'{a}'" for a in c)
        script += (f"'{MSTORE}' --root '{robot.root}' {args} >'{base}/out{i}' 2>'{base}/err{i}'; "
                   f"echo $? >'{base}/rc{i}'\n")
    r = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True)
    if r.returncode == 99:
        print("tmpfs mount failed: skipped")
        sys.exit(77)
    res = []
    for i in range(len(commands)):
        with open(f"{base}/rc{i}") as f, open(f"{base}/out{i}") as o, open(f"{base}/err{i}") as e:
            res.append((int(f.read()), o.read(), e.read()))
    return res


res = in_small_disk(["update"], ["install", "com.example.big"], ["--json", "list"],
                    ["install", "com.example.small"], ["--json", "list"], ["verify"])
check(res[0][0] == 0, f"update on the small disk: {res[0][2]}")
check(res[1][0] == 8 and ("space" in res[1][2] or "free" in res[1][2]),
      f"a package larger than the free space: exit {res[1][0]}: {res[1][2].strip()}")
check('"installed": []' in res[2][1], f"nothing installed: {res[2][1]}")
check(res[3][0] == 0, f"a small package still installs: {res[3][2]}")
check("com.example.small" in res[4][1] and "com.example.big" not in res[4][1], res[4][1])
check(res[5][0] == 0, "verify passes")
srv.stop()
finish()
