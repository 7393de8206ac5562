#!/usr/bin/env python3
"""Prepares robot-sim's models from Unitree's MuJoCo models (a developer's one-off; not run by the
build, the tests or robot-sim).

usage: regenerate.py SRC_MUJOCO_DIR HULLS_PROGRAM
  SRC_MUJOCO_DIR  folder with g1/ and go2/ (Unitree's unitree_mujoco models adapted to MuJoCo 2.2.2)
  HULLS_PROGRAM   the robot-sim-hulls program built from tools/robot-sim/make_hulls.c

What changes, and why the physics stays the same:
- Visual-only geoms (no contacts, zero density) are dropped: robot-sim is headless, and every body
  has an explicit <inertial>, so geoms carry no mass.
- The G1's collision meshes are replaced by their convex hulls as MuJoCo computes them: MuJoCo
  collides meshes through their convex hulls, so contacts are unchanged for a tenth of the bytes.
- The Go2 collides through primitive shapes only, so it keeps no mesh at all.
- Scenes are a floor and the robot (no skybox or textures).
"""
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))


def visual_only(geom, visual_classes):
    if geom.get("class") in visual_classes:
        return True
    return geom.get("contype") == "0" and geom.get("conaffinity") == "0"


def strip(tree, visual_classes):
    removed = 0
    for parent in tree.iter():
        for geom in list(parent):
            if geom.tag == "geom" and visual_only(geom, visual_classes):
                parent.remove(geom)
                removed += 1
    used = {g.get("mesh") for g in tree.iter("geom") if g.get("mesh")}
    asset = tree.find("asset")
    meshes = []
    for mesh in list(asset):
        if mesh.tag != "mesh":
            continue
        name = mesh.get("name") or os.path.splitext(mesh.get("file"))[0]
        if name in used:
            meshes.append(mesh.get("file"))
        else:
            asset.remove(mesh)
    return removed, meshes


SCENE = """<mujoco model="{name} scene">
  <!-- robot-sim's scene: {robot} on a flat floor. -->
  <include file="{robot}"/>
  <worldbody>
    <geom name="floor" size="0 0 0.05" type="plane"/>
  </worldbody>
</mujoco>
"""


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, hulls = sys.argv[1], sys.argv[2]
    for robot, files, visual_classes in (
        ("g1", ["g1_29dof.xml", "g1_23dof.xml"], set()),
        ("go2", ["go2.xml"], {"visual"}),
    ):
        out = os.path.join(HERE, robot)
        os.makedirs(out, exist_ok=True)
        all_meshes = set()
        for f in files:
            tree = ET.parse(os.path.join(src, robot, f))
            removed, meshes = strip(tree.getroot(), visual_classes)
            all_meshes.update(meshes)
            ET.indent(tree, "  ")
            tree.write(os.path.join(out, f), encoding="unicode")
            name = os.path.splitext(f)[0]
            scene = "scene.xml" if robot == "go2" else "scene_" + name.split("_", 1)[1] + ".xml"
            with open(os.path.join(out, scene), "w") as s:
                s.write(SCENE.format(name=name, robot=f))
            print(f"{robot}/{f}: dropped {removed} visual geoms, {len(meshes)} collision meshes")
        if all_meshes:
            meshdir = os.path.join(out, "meshes")
            shutil.rmtree(meshdir, ignore_errors=True)
            os.makedirs(meshdir)
            subprocess.run([hulls, meshdir] + [os.path.join(src, robot, "meshes", m)
                                               for m in sorted(all_meshes)], check=True)
    shutil.copy(os.path.join(src, "LICENSE.unitree_mujoco"), HERE)


if __name__ == "__main__":
    main()
