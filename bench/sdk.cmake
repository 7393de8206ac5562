# Package-format benchmarks (owner: the package format, issue 2): bench_package prints load+check,
# build+sign and open+verify times for a 60 s g1-29dof track at 500 Hz.
add_executable(bench_package bench_package.c)
target_link_libraries(bench_package PRIVATE mpk_static)
add_custom_target(bench_package_run COMMAND bench_package --runs 30 USES_TERMINAL
                  COMMENT "bench_package: load, build and verify a 30,000-frame g1-29dof track")
add_dependencies(bench bench_package_run)
