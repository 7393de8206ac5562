#!/usr/bin/env python3
"""motiond itself drives robot-sim over loopback DDS, seen on the wire: the example packages
installed from a real store through the phone API and played on robot-sim's G1 (g1-wave, arm mode
on rt/arm_sdk) and Go2 (go2-stretch, full mode on rt/lowcmd, its package has the full-body
permission and the configuration allows it), while dds_capture records every sample. Checked:

- every command and every state on the wire carries a valid CRC (independent Python CRC), commands
  go only to the mode's topic, and robot-sim rejected no command for a bad CRC;
- every commanded joint tracks the newest command that reached robot-sim before each state (once
  the blend-in's gain ramp is over; in arm mode while the weight is 1): G1 wave within 0.25 rad
  and RMS 0.05 rad (dds_play's bound for the same package: gravity sag of the raised arm at the
  default arm gains, docs/dds.md "Tracking bounds"), Go2 stretch within 0.2 rad, RMS 0.05 rad
  (dds_play's bound). The Go2 hangs in robot-sim's elastic band 0.3 m up, feet clear of the
  ground even with the rear legs straight: in full mode motiond, idle before the first motion,
  commands every motor off, so a Go2 left standing on its own sinks to robot-sim's fall height
  (0.12 m) before the stretch begins, and one held at the band's default 0.1 m pushes its
  straightened rear feet into the ground (0.16 rad on the rear calves); on its own legs at the
  default gains (kp 60) it tracked at 0.26 rad max, RMS 0.086 here, which says more about kp 60
  under 15 kg than about motiond;
- the motion runs from blend-in to the end without a fault, and robot-sim's robot does not fall.

The watchdog when robot-sim dies under motiond is motiond_dds.py's. robot-sim runs in real time:
labelled nosan.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dds_testlib as D  # noqa: E402
import motiond_testlib as T  # noqa: E402

GO2_STRETCH = "org.motionstore.examples.go2-stretch"
CASES = [
    # name, robot, family, package id, robot-sim args, motiond config, arm, max, rms
    ("g1-wave", "g1-29dof", "hg", T.WAVE, ["--elastic-band"], {}, True, 0.25, 0.05),
    ("go2-stretch", "go2", "go", GO2_STRETCH, ["--elastic-band", "--band-lift", "0.3"],
     {"mode": "full", "allow_full_body": True}, False, 0.2, 0.05),
]


def play_case(name, robot, family, pkg_id, sim_args, config, arm, max_err, rms_err):
    # 100..119: a range no other DDS test picks from (dds_bytes 120, robot_sim 140, dds_play 160,
    # motiond_dds 180), since a domain counts as taken only once a participant exists on it.
    domain = D.pick_domain(100)
    w = T.Workdir("dds-motiond-" + name)
    store = md = sim = cap = None
    cap_path = os.path.join(w.path, name + ".cap")
    try:
        # robot-sim first: its participant claims the domain before the store's seconds of setup.
        sim = D.Proc([T.prog("robot-sim"), "--model", robot, "--domain", str(domain), "--quiet"] +
                     sim_args, os.path.join(w.path, "robot-sim.log"), "ready", timeout=60)
        store = T.Store(w.path)
        cap = D.Proc([os.path.join(T.BUILD, "tests", "dds_capture"), "--domain", str(domain),
                      "--family", family, "--out", cap_path],
                     os.path.join(w.path, "capture.log"), "ready")
        cfg = {"robot": robot, "backend": "dds",
               "backend_options": [f"domain={domain}", "interface=lo"]}
        cfg.update(config)
        # Real-time loop as on a robot (motiond.service grants it), as motion-play runs by default.
        md = T.Motiond(w.path, store, config=cfg, realtime=True)
        md.pair()
        T.wait_for(lambda: md.status()["motion"]["has_state"], 30, "robot-sim's state over DDS")
        md.wait_jobs_idle()
        T.check(md.install(pkg_id)["state"] == "done", f"{name}: installed from the store")
        # A state gap over 100 ms before anything plays (robot-sim stalled by a loaded machine at
        # start-up) latches the watchdog, as it must; release it so the motion can be judged.
        # A fault during the motion still fails below.
        if md.status()["motion"]["faults"]:
            print("note: released faults latched before the motion:",
                  md.status()["motion"]["faults"], flush=True)
            md.post("/api/v1/release", {})
            T.wait_for(lambda: md.activity() == "idle" and not md.status()["motion"]["faults"],
                       10, "idle after the release")
        ev = T.EventStream(md)
        r = md.post("/api/v1/play", {"package": pkg_id})
        T.check(r.status == 200, f"{name}: play over the phone API ({r.status})")
        ev.wait(lambda n, d: n == "motion" and d["event"] == "started", 30, "started")
        ev.wait(lambda n, d: n == "motion" and d["event"] == "finished", 60, "finished")
        T.wait_for(lambda: md.activity() in ("idle", "holding"), 30, "the end of the motion")
        stats = md.get("/api/v1/stats").json
        T.check(not md.status()["motion"]["faults"] and stats["safety"]["watchdog"] == 0 and
                stats["backend_errors"] == 0, f"{name}: no fault, no backend error")
        ev.close()
        T.check(md.stop() == 0, f"{name}: motiond stops cleanly")
        md = None
    finally:
        if md and md.proc:
            md.stop()
        if cap:
            cap.stop()
        if sim:
            sim.stop()
        if store:
            store.stop()
    try:
        simst = D.parse_stats(sim.text(), "robot-sim: stats")
        topic = "arm_sdk" if arm else "lowcmd"
        T.check(simst[topic] > 1000 and simst[topic + "_bad_crc"] == 0 and
                simst["lowcmd_bad_crc"] + simst["arm_sdk_bad_crc"] == 0,
                f"{name}: robot-sim took {simst[topic]:.0f} commands on rt/{topic}, none with a "
                "bad CRC")
        T.check(simst["fallen"] == 0, f"{name}: robot-sim's {robot} did not fall")
        cmds, states = D.decode_capture(cap_path, family)  # asserts every CRC
        T.check(len(cmds) > 1000 and len(states) > 1000,
                f"{name}: {len(cmds)} commands and {len(states)} states on the wire, all CRCs valid")
        wanted = "rt/arm_sdk" if arm else "rt/lowcmd"
        T.check(all(topic == wanted for _, topic, _ in cmds), f"{name}: commands only on {wanted}")
        worst, rms, used = D.tracking(cmds, states, arm, 29 if arm else -1)
        over = {j: round(e, 3) for j, e in worst.items() if e >= max_err}
        T.check(not over and rms < rms_err,
                f"{name}: every joint within {max_err} rad of the command (max {max(worst.values()):.3f} "
                f"rad at slot {max(worst, key=worst.get)}, over: {over}), rms {rms:.3f} < {rms_err} "
                f"on {len(used)} joints")
        if arm:
            T.check(all(j >= 12 for j in used), f"{name}: arm mode never commands a leg ({used})")
    finally:
        w.cleanup(keep=bool(T.FAILURES))


def main():
    os.environ.pop("CYCLONEDDS_URI", None)  # loopback, the backend's interface option decides
    for case in CASES:
        play_case(*case)
    T.finish()


if __name__ == "__main__":
    main()
