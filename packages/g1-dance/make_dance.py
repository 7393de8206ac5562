#!/usr/bin/env python3
"""Generates motions/dance.csv, a short g1-29dof dance in Unitree's retargeted CSV layout (our own
data, made here so the package shows `mpk import` of that format without third-party motion).

Unitree's layout: no header, 30 rows per second, each row the root position x y z, the root
quaternion x y z w, then the 29 joint angles in SDK motor order (legs, waist, left arm, right arm).
The dance: the arms pump in turn and the waist sways for 8 s, with the legs at the standing pose
and the root still; the moves fade in from standing over the first second and out over the last,
so the motion starts and ends at the standing pose.

usage: make_dance.py [OUT.csv]   (default: motions/dance.csv beside this script)
"""
import math
import os
import sys

ROWS_PER_SECOND = 30
DURATION = 8.0
STAND_HEIGHT = 0.784  # m, the root above the ground in g1-29dof's standing pose
FADE = 1.0            # s
# g1-29dof in SDK motor order, with the standing pose (`mpk robot show g1-29dof`).
JOINTS = [
    ("left_hip_pitch", -0.1), ("left_hip_roll", 0.0), ("left_hip_yaw", 0.0), ("left_knee", 0.3),
    ("left_ankle_pitch", -0.2), ("left_ankle_roll", 0.0),
    ("right_hip_pitch", -0.1), ("right_hip_roll", 0.0), ("right_hip_yaw", 0.0),
    ("right_knee", 0.3), ("right_ankle_pitch", -0.2), ("right_ankle_roll", 0.0),
    ("waist_yaw", 0.0), ("waist_roll", 0.0), ("waist_pitch", 0.0),
    ("left_shoulder_pitch", 0.0), ("left_shoulder_roll", 0.0), ("left_shoulder_yaw", 0.0),
    ("left_elbow", 0.0), ("left_wrist_roll", 0.0), ("left_wrist_pitch", 0.0),
    ("left_wrist_yaw", 0.0),
    ("right_shoulder_pitch", 0.0), ("right_shoulder_roll", 0.0), ("right_shoulder_yaw", 0.0),
    ("right_elbow", 0.0), ("right_wrist_roll", 0.0), ("right_wrist_pitch", 0.0),
    ("right_wrist_yaw", 0.0),
]


def min_jerk(s):
    """0 -> 1 with zero velocity and acceleration at both ends."""
    s = min(max(s, 0.0), 1.0)
    return s * s * s * (10 - 15 * s + 6 * s * s)


def pose_at(t):
    env = min_jerk(min(t, DURATION - t) / FADE)
    beat = 2 * math.pi * 1.0 * t   # one arm pump per second
    sway = 2 * math.pi * 0.5 * t   # the waist sways every two seconds
    q = {name: stand for name, stand in JOINTS}
    q["waist_yaw"] += env * 0.25 * math.sin(sway)
    q["waist_roll"] += env * 0.06 * math.sin(sway)
    # Arms forward and out, elbows bent, pumping up and down in turn.
    q["left_shoulder_pitch"] += env * (-0.5 + 0.45 * math.sin(beat))
    q["right_shoulder_pitch"] += env * (-0.5 - 0.45 * math.sin(beat))
    q["left_shoulder_roll"] += env * (0.3 + 0.1 * math.sin(2 * beat))
    q["right_shoulder_roll"] -= env * (0.3 + 0.1 * math.sin(2 * beat))
    q["left_elbow"] += env * (0.8 + 0.3 * math.sin(beat + 1.0))
    q["right_elbow"] += env * (0.8 - 0.3 * math.sin(beat + 1.0))
    q["left_wrist_roll"] += env * 0.3 * math.sin(2 * beat)
    q["right_wrist_roll"] -= env * 0.3 * math.sin(2 * beat)
    return q


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "motions", "dance.csv")
    rows = int(round(DURATION * ROWS_PER_SECOND)) + 1
    root = [0.0, 0.0, STAND_HEIGHT, 0.0, 0.0, 0.0, 1.0]
    lines = []
    for f in range(rows):
        q = pose_at(f / ROWS_PER_SECOND)
        values = root + [q[name] for name, _ in JOINTS]
        lines.append(",".join("%.6f" % (round(v, 6) + 0.0) for v in values))
    tmp = out + ".tmp"
    with open(tmp, "w", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
