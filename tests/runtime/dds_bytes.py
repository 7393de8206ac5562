#!/usr/bin/env python3
"""Byte compatibility of the DDS backend with Unitree's documented layout, on loopback DDS.

dds_pattern_pub publishes LowCmd_ samples of known content through the backend's link (full mode
hg and go, arm mode hg) to robot-sim; dds_capture records the serialized samples as they travel.
An independent reader (dds_testlib.py, written from the .msg field lists and CDR rules) decodes
every sample, recomputes the CRC over the documented C layout and compares every field with what
was sent. robot-sim's LowState_ is checked the same way, and robot-sim itself must have rejected
no command. The documented CRC test vectors are checked on the independent CRC.
"""
import math
import os
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dds_testlib as T  # noqa: E402

COUNT = 150
F32 = lambda x: struct.unpack("<f", struct.pack("<f", x))[0]  # noqa: E731


def expect_motor(s, i):
    q = float(s) if i == 0 else 0.001 * s + 0.01 * i
    return {"mode": 1, "q": F32(q), "dq": F32(-0.5 * i), "tau": F32(0.25 * i), "kp": F32(10.0 + i),
            "kd": F32(0.5 + 0.125 * i)}


def check_crc_vectors():
    assert T.crc32_mpeg2(b"123456789") == 0x0376E6E7
    for key, crc in ((("hg", "cmd"), 0xFE172F9F), (("hg", "state"), 0xD64BB04A),
                     (("go", "cmd"), 0x4B5A4880)):
        size = T.c_size(T.LAYOUTS[key])
        assert size == T.DOCUMENTED_SIZE[key], (key, size)
        assert T.unitree_crc(bytes(size)) == crc, (key, hex(T.unitree_crc(bytes(size))))
    for key in (("go", "state"),):
        assert T.c_size(T.LAYOUTS[key]) == T.DOCUMENTED_SIZE[key]
    print("crc vectors and documented sizes: ok")


def run_case(tmp, domain, model, family, arm_slot):
    bindir, testdir = T.env_path("MS_BIN_DIR"), os.path.join(T.env_path("MS_BINARY_DIR"), "tests")
    name = "%s-%s" % (model, "arm" if arm_slot is not None else "full")
    cap = os.path.join(tmp, name + ".cap")
    sim = T.Proc([os.path.join(bindir, "robot-sim"), "--model", model, "--domain", str(domain),
                  "--elastic-band", "--quiet"], os.path.join(tmp, name + "-sim.log"), "ready")
    capture = None
    try:
        capture = T.Proc([os.path.join(testdir, "dds_capture"), "--domain", str(domain),
                          "--family", family, "--out", cap], os.path.join(tmp, name + "-cap.log"),
                         "ready")
        args = [os.path.join(testdir, "dds_pattern_pub"), "--domain", str(domain), "--family",
                family, "--count", str(COUNT)]
        if arm_slot is not None:
            args += ["--arm", str(arm_slot)]
        out = subprocess.run(args, capture_output=True, text=True, timeout=60, env=T.loopback_env())
        assert out.returncode == 0, out.stdout + out.stderr
        pub = T.parse_stats(out.stdout, "dds_pattern_pub:")
    finally:
        if capture:
            capture.stop()
        sim.stop()
    simstats = T.parse_stats(sim.text(), "robot-sim: stats")
    topic = "rt/arm_sdk" if arm_slot is not None else "rt/lowcmd"
    assert pub["sent"] == COUNT and pub["bad_crc"] == 0 and pub["states"] > 0, pub
    received = simstats["arm_sdk" if arm_slot is not None else "lowcmd"]
    bad = simstats["arm_sdk_bad_crc" if arm_slot is not None else "lowcmd_bad_crc"]
    assert received >= COUNT * 0.95 and bad == 0, simstats
    mode_machine = {"g1-29dof": 5, "g1-23dof": 4, "go2": 0}[model]
    assert pub["mode_machine"] == mode_machine, pub

    records = T.read_capture(cap)
    cmds = [T.decode_sample(family, "cmd", p) for t, _, p in records if t == topic]
    states = [T.decode_sample(family, "state", p) for t, _, p in records if t == "rt/lowstate"]
    assert len(cmds) >= COUNT * 0.95, "captured %d of %d commands" % (len(cmds), COUNT)
    assert len(states) > 100, "captured %d states" % len(states)
    slots, used = (35, 29) if family == "hg" else (20, 12)
    last = 0
    for c in cmds:
        assert T.check_crc(family, "cmd", c), "bad CRC in a published command"
        s = int(c["motor_cmd"][0]["q"])
        assert s > last, "samples out of order: %d after %d" % (s, last)
        last = s
        if family == "hg":
            assert c["mode_machine"] == mode_machine and c["mode_pr"] == 0, c["mode_machine"]
        else:
            assert c["head"] == [0xFE, 0xEF] and c["level_flag"] == 0xFF, (c["head"], c["level_flag"])
        for i in range(slots):
            m = c["motor_cmd"][i]
            if i == arm_slot:
                assert m["q"] == F32((s % 11) / 10.0) and m["kp"] == 0 and m["mode"] == 0, (i, m)
            elif i < used:
                for k, v in expect_motor(s, i).items():
                    assert m[k] == v, "sample %d slot %d %s: %r != %r" % (s, i, k, m[k], v)
            elif family == "go":
                assert m["mode"] == 1 and m["q"] == F32(2.146e9) and m["dq"] == 16000.0, (i, m)
                assert m["kp"] == 0 and m["kd"] == 0 and m["tau"] == 0, (i, m)
            else:
                assert all(m[k] == 0 for k in ("mode", "q", "dq", "tau", "kp", "kd")), (i, m)
    assert last == COUNT, "last sample %d of %d" % (last, COUNT)
    for st in states:
        assert T.check_crc(family, "state", st), "bad CRC in robot-sim's LowState_"
        qn = math.sqrt(sum(x * x for x in st["imu_state"]["quaternion"]))
        assert abs(qn - 1.0) < 1e-3, qn
        if family == "hg":
            assert st["mode_machine"] == mode_machine
        else:
            assert st["head"] == [0xFE, 0xEF]
    print("%s: %d commands and %d states decoded, every field and CRC as sent" %
          (name, len(cmds), len(states)))


def main():
    check_crc_vectors()
    tmp = os.path.join(T.env_path("MS_TEST_TMP"), "dds_bytes")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    domain = T.pick_domain(120)
    run_case(tmp, domain, "g1-29dof", "hg", None)
    run_case(tmp, domain, "g1-29dof", "hg", 29)
    run_case(tmp, domain, "go2", "go", None)
    print("dds_bytes: ok")


if __name__ == "__main__":
    main()
