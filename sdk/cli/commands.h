/* The table of mpk commands: one line per command, implemented in cmd_<name>.c.
 * Add a command by adding its line here and its file; main.c builds the dispatch table from this.
 */
#ifndef MPK_COMMANDS_H
#define MPK_COMMANDS_H

#define MPK_CLI_COMMANDS(X)                                                                 \
    X("help", mpk_cmd_help, "show this help")                                               \
    X("robots", mpk_cmd_robots, "list the built-in robot models")                           \
    X("robot", mpk_cmd_robot, "show a robot model or its forward kinematics")               \
    X("keygen", mpk_cmd_keygen, "create a package signing key")                             \
    X("init", mpk_cmd_init, "create a package project with a first keyframe motion")        \
    X("new-motion", mpk_cmd_new_motion, "add a keyframe motion to a project")               \
    X("import", mpk_cmd_import, "import a Unitree retargeted CSV as a motion")              \
    X("add-asset", mpk_cmd_add_asset, "add a thumbnail, sound or other file to a project")  \
    X("validate", mpk_cmd_validate, "check motions against the robot: limits, speed, legs") \
    X("retime", mpk_cmd_retime, "slow down only the parts of motions that are too fast")    \
    X("build", mpk_cmd_build, "build a signed package from a project folder")               \
    X("inspect", mpk_cmd_inspect, "show what a package holds")                              \
    X("verify", mpk_cmd_verify, "verify a package's signature and contents")                \
    X("export-csv", mpk_cmd_export_csv, "write a motion track as CSV")                      \
    X("preview", mpk_cmd_preview, "show a motion on the robot (runs mpk-preview)")          \
    X("upload", mpk_cmd_upload, "upload a package to a Motion Store")                       \
    X("play", mpk_cmd_play, "play a package on the simulated robot (runs motion-play)")

int mpk_cmd_help(int argc, char **argv);
int mpk_cmd_robots(int argc, char **argv);
int mpk_cmd_robot(int argc, char **argv);
int mpk_cmd_keygen(int argc, char **argv);
int mpk_cmd_init(int argc, char **argv);
int mpk_cmd_new_motion(int argc, char **argv);
int mpk_cmd_import(int argc, char **argv);
int mpk_cmd_add_asset(int argc, char **argv);
int mpk_cmd_validate(int argc, char **argv);
int mpk_cmd_retime(int argc, char **argv);
int mpk_cmd_build(int argc, char **argv);
int mpk_cmd_inspect(int argc, char **argv);
int mpk_cmd_verify(int argc, char **argv);
int mpk_cmd_export_csv(int argc, char **argv);
int mpk_cmd_preview(int argc, char **argv);
int mpk_cmd_upload(int argc, char **argv);
int mpk_cmd_play(int argc, char **argv);

#endif
