"""Shared by the DDS scenario tests: an independent reader of Unitree's low-level messages written
from the documented layout (field lists of the .msg files, CDR wire rules, the CRC definition), and
helpers to run robot-sim and the capture tool on a private loopback DDS domain.

Nothing here uses the project's C code: the layouts below are written from the .msg field lists,
so a wrong offset or padding in the C side shows up as a mismatch.
"""
import bisect
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time

# --- message layouts, from unitree_hg/*.msg and unitree_go/*.msg ------------------------------
PRIM = {"u8": "B", "i8": "b", "u16": "H", "i16": "h", "u32": "I", "i32": "i", "f32": "f"}

HG_MOTOR_CMD = [("mode", "u8", 1), ("q", "f32", 1), ("dq", "f32", 1), ("tau", "f32", 1),
                ("kp", "f32", 1), ("kd", "f32", 1), ("reserve", "u32", 1)]
HG_MOTOR_STATE = [("mode", "u8", 1), ("q", "f32", 1), ("dq", "f32", 1), ("ddq", "f32", 1),
                  ("tau_est", "f32", 1), ("temperature", "i16", 2), ("vol", "f32", 1),
                  ("sensor", "u32", 2), ("motorstate", "u32", 1), ("reserve", "u32", 4)]
HG_IMU = [("quaternion", "f32", 4), ("gyroscope", "f32", 3), ("accelerometer", "f32", 3),
          ("rpy", "f32", 3), ("temperature", "i16", 1)]
HG_LOWCMD = [("mode_pr", "u8", 1), ("mode_machine", "u8", 1), ("motor_cmd", HG_MOTOR_CMD, 35),
             ("reserve", "u32", 4), ("crc", "u32", 1)]
HG_LOWSTATE = [("version", "u32", 2), ("mode_pr", "u8", 1), ("mode_machine", "u8", 1),
               ("tick", "u32", 1), ("imu_state", HG_IMU, 1), ("motor_state", HG_MOTOR_STATE, 35),
               ("wireless_remote", "u8", 40), ("reserve", "u32", 4), ("crc", "u32", 1)]

GO_MOTOR_CMD = [("mode", "u8", 1), ("q", "f32", 1), ("dq", "f32", 1), ("tau", "f32", 1),
                ("kp", "f32", 1), ("kd", "f32", 1), ("reserve", "u32", 3)]
GO_MOTOR_STATE = [("mode", "u8", 1), ("q", "f32", 1), ("dq", "f32", 1), ("ddq", "f32", 1),
                  ("tau_est", "f32", 1), ("q_raw", "f32", 1), ("dq_raw", "f32", 1),
                  ("ddq_raw", "f32", 1), ("temperature", "i8", 1), ("lost", "u32", 1),
                  ("reserve", "u32", 2)]
GO_IMU = [("quaternion", "f32", 4), ("gyroscope", "f32", 3), ("accelerometer", "f32", 3),
          ("rpy", "f32", 3), ("temperature", "i8", 1)]
GO_BMS_CMD = [("off", "u8", 1), ("reserve", "u8", 3)]
GO_BMS_STATE = [("version_high", "u8", 1), ("version_low", "u8", 1), ("status", "u8", 1),
                ("soc", "u8", 1), ("current", "i32", 1), ("cycle", "u16", 1), ("bq_ntc", "i8", 2),
                ("mcu_ntc", "i8", 2), ("cell_vol", "u16", 15)]
GO_LOWCMD = [("head", "u8", 2), ("level_flag", "u8", 1), ("frame_reserve", "u8", 1),
             ("sn", "u32", 2), ("version", "u32", 2), ("bandwidth", "u16", 1),
             ("motor_cmd", GO_MOTOR_CMD, 20), ("bms_cmd", GO_BMS_CMD, 1),
             ("wireless_remote", "u8", 40), ("led", "u8", 12), ("fan", "u8", 2), ("gpio", "u8", 1),
             ("reserve", "u32", 1), ("crc", "u32", 1)]
GO_LOWSTATE = [("head", "u8", 2), ("level_flag", "u8", 1), ("frame_reserve", "u8", 1),
               ("sn", "u32", 2), ("version", "u32", 2), ("bandwidth", "u16", 1),
               ("imu_state", GO_IMU, 1), ("motor_state", GO_MOTOR_STATE, 20),
               ("bms_state", GO_BMS_STATE, 1), ("foot_force", "i16", 4),
               ("foot_force_est", "i16", 4), ("tick", "u32", 1), ("wireless_remote", "u8", 40),
               ("bit_flag", "u8", 1), ("adc_reel", "f32", 1), ("temperature_ntc1", "i8", 1),
               ("temperature_ntc2", "i8", 1), ("power_v", "f32", 1), ("power_a", "f32", 1),
               ("fan_frequency", "u16", 4), ("reserve", "u32", 1), ("crc", "u32", 1)]

LAYOUTS = {("hg", "cmd"): HG_LOWCMD, ("hg", "state"): HG_LOWSTATE,
           ("go", "cmd"): GO_LOWCMD, ("go", "state"): GO_LOWSTATE}
DOCUMENTED_SIZE = {("hg", "cmd"): 1004, ("hg", "state"): 2092, ("go", "cmd"): 812,
                   ("go", "state"): 1180}


def _align(off, a):
    return (off + a - 1) // a * a


def c_alignment(spec):
    return max(struct.calcsize(PRIM[t]) if isinstance(t, str) else c_alignment(t)
               for _, t, _ in spec)


def c_size(spec):
    off = 0
    for _, t, n in spec:
        if isinstance(t, str):
            s = struct.calcsize(PRIM[t])
            off = _align(off, s) + s * n
        else:
            off = _align(off, c_alignment(t)) + c_size(t) * n
    return _align(off, c_alignment(spec))


def c_pack(spec, value):
    """The naturally aligned little-endian C struct, padding zero (what the CRC covers)."""
    out = bytearray()
    for name, t, n in spec:
        v = value[name]
        vals = v if n > 1 else [v]
        if isinstance(t, str):
            s = struct.calcsize(PRIM[t])
            out += bytes(_align(len(out), s) - len(out))
            out += struct.pack("<%d%s" % (n, PRIM[t]), *vals)
        else:
            for item in vals:
                out += bytes(_align(len(out), c_alignment(t)) - len(out))
                out += c_pack(t, item)
    out += bytes(_align(len(out), c_alignment(spec)) - len(out))
    return bytes(out)


def cdr_decode(spec, data, off=0):
    """Decodes CDR (little endian): primitives aligned to their size from the stream start,
    no trailing padding after nested structs. @return (value, new offset)"""
    value = {}
    for name, t, n in spec:
        if isinstance(t, str):
            s = struct.calcsize(PRIM[t])
            off = _align(off, s)
            vals = list(struct.unpack_from("<%d%s" % (n, PRIM[t]), data, off))
            off += s * n
        else:
            vals = []
            for _ in range(n):
                item, off = cdr_decode(t, data, off)
                vals.append(item)
        value[name] = vals if n > 1 else vals[0]
    return value, off


def decode_sample(family, kind, payload):
    """Decodes a serialized sample (4-byte encapsulation header + CDR). @return value dict"""
    rep = payload[0:2]
    if rep not in (b"\x00\x01", b"\x00\x07"):  # CDR_LE (XCDR1) or XCDR2 little endian
        raise ValueError("unexpected encapsulation %s" % rep.hex())
    value, end = cdr_decode(LAYOUTS[(family, kind)], payload[4:])
    pad = payload[3] & 3  # trailing alignment bytes the writer added
    if end != len(payload) - 4 - pad:
        raise ValueError("sample of %d bytes, layout decodes %d" % (len(payload) - 4, end))
    return value


# --- CRC, as documented ---------------------------------------------------------------------
_TABLE = []
for _b in range(256):
    _c = _b << 24
    for _ in range(8):
        _c = ((_c << 1) ^ 0x04C11DB7) if _c & 0x80000000 else (_c << 1)
    _TABLE.append(_c & 0xFFFFFFFF)


def crc32_mpeg2(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _TABLE[((crc >> 24) ^ b) & 0xFF]
    return crc


def unitree_crc(c_struct):
    """CRC-32/MPEG-2 over each little-endian 32-bit word written big-endian, all but the last."""
    words = struct.unpack("<%dI" % (len(c_struct) // 4), c_struct)[:-1]
    return crc32_mpeg2(struct.pack(">%dI" % len(words), *words))


def check_crc(family, kind, value):
    return unitree_crc(c_pack(LAYOUTS[(family, kind)], value)) == value["crc"]


# --- capture files (tests/runtime/dds_capture.c) ----------------------------------------------
TOPICS = {0: "rt/lowcmd", 1: "rt/arm_sdk", 2: "rt/lowstate"}


def read_capture(path):
    """@return list of (topic, t_ns, payload bytes)"""
    data = open(path, "rb").read()
    out, off = [], 0
    while off + 16 <= len(data):
        topic, size, t = struct.unpack_from("<B3xIQ", data, off)
        off += 16
        out.append((TOPICS[topic], t, data[off:off + size]))
        off += size
    if off != len(data):
        raise ValueError("%s: truncated record at byte %d" % (path, off))
    return out


# --- processes on a private domain --------------------------------------------------------------
def env_path(name):
    v = os.environ.get(name)
    if not v:
        sys.exit("%s is not set (run under ctest)" % name)
    return v


def pick_domain(base):
    """A domain id from base upwards whose first participant port is free (CycloneDDS uses UDP
    7410 + 250 * domain + 2 * index), so concurrent suites on one machine do not meet."""
    for d in range(base, min(base + 20, 233)):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind(("127.0.0.1", 7410 + 250 * d))
            return d
        except OSError:
            continue
        finally:
            s.close()
    return base


def loopback_env():
    env = dict(os.environ)
    env.pop("CYCLONEDDS_URI", None)
    return env


class Proc:
    """A program whose stderr is collected in a file; waits for a line matching ready."""

    def __init__(self, args, log, ready=None, timeout=20):
        self.args, self.log = args, log
        self.f = open(log, "wb")
        self.p = subprocess.Popen(args, stdout=self.f, stderr=subprocess.STDOUT, env=loopback_env())
        if ready:
            deadline = time.time() + timeout
            while not re.search(ready, self.text()):
                if self.p.poll() is not None or time.time() > deadline:
                    self.stop()
                    raise RuntimeError("%s did not start:\n%s" % (args[0], self.text()))
                time.sleep(0.05)

    def text(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.f.close()
        return self.p.returncode


def parse_stats(text, prefix):
    """key=value pairs of the last line starting with prefix."""
    lines = [l for l in text.splitlines() if l.startswith(prefix)]
    if not lines:
        raise AssertionError("no '%s' line in:\n%s" % (prefix, text))
    return {k: float(v) for k, v in re.findall(r"(\w+)=([-\d.]+)", lines[-1])}


# --- what a capture shows -----------------------------------------------------------------------
def decode_capture(path, family):
    """Every sample of a capture decoded, every CRC checked.
    @return (commands, states), each a list of (t_ns, topic, decoded sample)"""
    cmds, states = [], []
    for topic, t, payload in read_capture(path):
        kind = "state" if topic == "rt/lowstate" else "cmd"
        v = decode_sample(family, kind, payload)
        assert check_crc(family, kind, v), "%s: bad CRC on %s at %d ns" % (path, topic, t)
        (states if kind == "state" else cmds).append((t, topic, v))
    return cmds, states


def tracking(cmds, states, arm, weight_slot):
    """Per-slot max error of measured q against the newest command before each state, once the
    gains have reached their highest value on every commanded slot (the blend-in's gain ramp is
    over) and, in arm mode, while the weight is 1.
    @return ({slot: max error}, RMS error, commanded slots)"""
    slots = len(cmds[0][2]["motor_cmd"])
    kpmax = [max(c["motor_cmd"][j]["kp"] for _, _, c in cmds) for j in range(slots)]
    used = [j for j in range(slots) if kpmax[j] > 0 and j != weight_slot]
    settled = next(t for t, _, c in cmds
                   if all(abs(c["motor_cmd"][j]["kp"] - kpmax[j]) < 1e-3 for j in used))
    times = [t for t, _, _ in cmds]
    worst, sq, n = {j: 0.0 for j in used}, 0.0, 0
    for t, _, s in states:
        i = bisect.bisect_right(times, t) - 1
        if t < settled or i < 0:
            continue
        c = cmds[i][2]
        if arm and c["motor_cmd"][weight_slot]["q"] < 0.999:
            continue
        for j in used:
            e = abs(c["motor_cmd"][j]["q"] - s["motor_state"][j]["q"])
            worst[j] = max(worst[j], e)
            sq += e * e
            n += 1
    assert n > 1000, "only %d joint samples to compare" % n
    return worst, (sq / n) ** 0.5, used
