# Package-format benchmarks (owner: the package format, issue 2): bench_package prints load+check,
# build+sign and open+verify times for a 60 s g1-29dof track at 500 Hz.
add_executable(bench_package bench_package.c)
target_link_libraries(bench_package PRIVATE mpk_static)
add_custom_target(bench_package_run COMMAND bench_package --runs 30 USES_TERMINAL
                  COMMENT "bench_package: load, build and verify a 30,000-frame g1-29dof track")
add_dependencies(bench bench_package_run)
# Authoring benchmarks (owner: the authoring SDK, issue 3): bench_authoring prints the time to
# import a 4,000-row g1-29dof Unitree CSV (target < 20 ms) and to validate a 60 s 500 Hz track
# (target < 5 ms), plus keyframe sampling and retiming for scale.
add_executable(bench_authoring bench_authoring.c)
target_link_libraries(bench_authoring PRIVATE mpk_static)
add_custom_target(bench_authoring_run COMMAND bench_authoring --runs 30 USES_TERMINAL
                  COMMENT "bench_authoring: import a 4,000-row CSV, validate 60 s at 500 Hz")
add_dependencies(bench bench_authoring_run)
