#!/usr/bin/env python3
"""The installed SDK: `cmake --install --component sdk` into a temporary prefix, then the complete
example of docs/sdk.md (taken from the page itself, so the page cannot drift) built against it
with pkg-config and with find_package(mpk) (shared and static), run, and its output checked. The
shared library exports only mpk_ symbols, and the installed mpk runs.

usage: sdk_install.py [--cflags FLAGS]   (FLAGS: what the build's own objects need at link time,
                                          e.g. the sanitizers)
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ["MS_SOURCE_DIR"]
BUILD = os.environ["MS_BINARY_DIR"]
EXPECTED = ["151 frames of 2 joints at 50 Hz (3 s)", "0 errors, 0 warnings"]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def run(cmd, env=None, cwd=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    if p.returncode != 0:
        fail("%s: exit %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p.stdout


def example_from_docs():
    text = open(os.path.join(SRC, "docs", "sdk.md"), encoding="utf-8").read()
    m = re.search(r"<!-- sdk-example: validate_keys\.c -->\s*```c\n(.*?)```", text, re.S)
    if not m:
        fail("docs/sdk.md has no example marked <!-- sdk-example: validate_keys.c -->")
    return m.group(1)


def check_output(out, how):
    for want in EXPECTED:
        if want not in out:
            fail("%s: the example printed %r, without %r" % (how, out, want))


def main():
    cflags = []
    if len(sys.argv) > 2 and sys.argv[1] == "--cflags":
        cflags = shlex.split(sys.argv[2])
    cc = os.environ.get("CC", "cc")
    tmp = tempfile.mkdtemp(prefix="sdk-install.", dir=os.environ.get("MS_TEST_TMP"))
    try:
        prefix = os.path.join(tmp, "prefix")
        run(["cmake", "--install", BUILD, "--component", "sdk", "--prefix", prefix])
        libdir = next(os.path.join(root) for root, _, files in os.walk(prefix)
                      if "libmpk.a" in files)
        for f in ("libmpk.so", "libmpk.a"):
            if not os.path.exists(os.path.join(libdir, f)):
                fail("not installed: " + f)
        headers = sorted(os.listdir(os.path.join(prefix, "include", "mpk")))
        for h in ("mpk.h", "validate.h", "keyframes.h", "import.h", "retime.h", "project.h"):
            if h not in headers:
                fail("header not installed: mpk/" + h)
        env = dict(os.environ, LD_LIBRARY_PATH=libdir)
        out = run([os.path.join(prefix, "bin", "mpk"), "--version"], env=env)
        if not out.startswith("mpk "):
            fail("installed mpk: " + out)
        # The installed mpk renders thumbnails with the mpk-preview installed beside it, so it
        # builds an example package to the very bytes the build tree's mpk made.
        if not os.path.exists(os.path.join(prefix, "bin", "mpk-preview")):
            fail("not installed with the SDK: bin/mpk-preview (mpk build's thumbnails, mpk preview)")
        built = os.path.join(BUILD, "packages", "org.motionstore.examples.g1-wave-1.0.0.mpk")
        again = os.path.join(tmp, "g1-wave.mpk")
        plain = dict(env, PATH="/usr/bin:/bin")
        plain.pop("SOURCE_DATE_EPOCH", None)
        out = run([os.path.join(prefix, "bin", "mpk"), "build", os.path.join(SRC, "packages",
                   "g1-wave"), "-o", again], env=plain)
        if "thumbnail: assets/thumbnail.png" not in out:
            fail("the installed mpk built no thumbnail: %s" % out)
        if os.path.exists(built) and open(built, "rb").read() != open(again, "rb").read():
            fail("the installed mpk built other bytes than %s" % built)

        # Every symbol the shared library exports carries the prefix, and none is internal
        # (mpk__: -fvisibility=hidden keeps them inside).
        syms = run(["nm", "-D", "--defined-only", os.path.join(libdir, "libmpk.so")]).split()
        names = [s for s in syms if re.match(r"^[A-Za-z_]\w*$", s) and len(s) > 1]
        bad = [n for n in names if not n.startswith("mpk_") and n not in ("_init", "_fini")]
        if bad:
            fail("exported without the mpk_ prefix: %s" % bad[:20])
        internal = [n for n in names if n.startswith("mpk__")]
        if internal:
            fail("the shared library exports internal symbols: %s" % internal[:20])
        # The static library has no visibility to hide behind: every global symbol it defines
        # lands in the user's program, so each must carry the prefix too (mpk_ or mpk__).
        out = run(["nm", "-g", "--defined-only", os.path.join(libdir, "libmpk.a")])
        globals_ = [l.split()[-1] for l in out.splitlines() if len(l.split()) == 3]
        if not globals_:
            fail("nm found no global symbols in libmpk.a")
        # (AddressSanitizer adds an __odr_asan.<name> beside each global of a sanitizer build.)
        bad = sorted({n for n in globals_ if not n.startswith(("mpk_", "__odr_asan."))})
        if bad:
            fail("libmpk.a defines global symbols without the mpk_ prefix: %s" % bad[:20])

        # Each installed header compiles alone, as a user's first #include, strictly.
        for h in headers:
            unit = os.path.join(tmp, "alone_%s.c" % h[:-2])
            with open(unit, "w") as f:
                f.write("#include <mpk/%s>\nint main(void)\n{\n    return 0;\n}\n" % h)
            run([cc, "-std=c11", "-pedantic", "-Werror", "-Wall", "-Wextra", "-fsyntax-only",
                 "-I", os.path.join(prefix, "include"), unit])
        for want in ("mpk_validate_package", "mpk_validate_track", "mpk_keyframes_sample",
                     "mpk_import_unitree_csv", "mpk_track_retime"):
            if want not in names:
                fail("not exported: " + want)

        src = os.path.join(tmp, "validate_keys.c")
        with open(src, "w") as f:
            f.write(example_from_docs())

        # 1. pkg-config.
        pc_env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(libdir, "pkgconfig"))
        flags = shlex.split(run(["pkg-config", "--cflags", "--libs", "libmpk"], env=pc_env))
        if not any(f.startswith("-I") and f.endswith("include") for f in flags):
            fail("pkg-config --cflags: %s" % flags)
        exe = os.path.join(tmp, "with-pkg-config")
        run([cc, "-std=c11", "-Wall", "-Werror", *cflags, src, *flags, "-o", exe])
        check_output(run([exe], env=env), "pkg-config")
        version = run(["pkg-config", "--modversion", "libmpk"], env=pc_env).strip()
        if not re.match(r"^\d+\.\d+\.\d+$", version):
            fail("pkg-config --modversion: " + version)

        # 2. find_package, shared and static, from a separate CMake project.
        proj = os.path.join(tmp, "consumer")
        os.mkdir(proj)
        shutil.copy(src, proj)
        with open(os.path.join(proj, "CMakeLists.txt"), "w") as f:
            f.write("cmake_minimum_required(VERSION 3.16)\n"
                    "project(validate_keys C)\n"
                    "find_package(mpk %s REQUIRED)\n"
                    "add_executable(with_shared validate_keys.c)\n"
                    "target_link_libraries(with_shared PRIVATE mpk::mpk)\n"
                    "add_executable(with_static validate_keys.c)\n"
                    "target_link_libraries(with_static PRIVATE mpk::mpk_static)\n" % version)
        build = os.path.join(tmp, "consumer-build")
        run(["cmake", "-S", proj, "-B", build, "-DCMAKE_PREFIX_PATH=" + prefix,
             "-DCMAKE_C_COMPILER=" + cc, "-DCMAKE_C_FLAGS=" + " ".join(cflags),
             "-DCMAKE_EXE_LINKER_FLAGS=" + " ".join(cflags)])
        run(["cmake", "--build", build])
        check_output(run([os.path.join(build, "with_shared")], env=env), "find_package shared")
        # The static one must not need the shared library at all.
        plain = dict(os.environ)
        plain.pop("LD_LIBRARY_PATH", None)
        check_output(run([os.path.join(build, "with_static")], env=plain), "find_package static")
        needed = run(["readelf", "-d", os.path.join(build, "with_static")])
        if "libmpk" in needed:
            fail("the static build still needs libmpk.so")
        # A version the install does not have is refused.
        other = os.path.join(tmp, "wants-9")
        os.mkdir(other)
        with open(os.path.join(other, "CMakeLists.txt"), "w") as f:
            f.write("cmake_minimum_required(VERSION 3.16)\nproject(x C)\n"
                    "find_package(mpk 9.0 REQUIRED)\n")
        p = subprocess.run(["cmake", "-S", other, "-B", os.path.join(tmp, "wants-9-build"),
                            "-DCMAKE_PREFIX_PATH=" + prefix], capture_output=True, text=True)
        if p.returncode == 0 or "9.0" not in p.stderr:
            fail("find_package(mpk 9.0) should fail: %s" % p.stderr)
        print("sdk install: pkg-config and find_package (shared, static) build and run the "
              "example of docs/sdk.md")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
