# TUF metadata benchmark (owner: libmstore's TUF core): bench_tuf prints build, sign, parse,
# verify and updater-refresh times for targets metadata of 1,000 to 100,000 targets.
add_executable(bench_tuf bench_tuf.c)
target_link_libraries(bench_tuf PRIVATE mstore_static)
add_custom_target(bench_tuf_run COMMAND bench_tuf --runs 3 USES_TERMINAL
                  COMMENT "bench_tuf: TUF targets metadata of 1,000 to 100,000 targets")
add_dependencies(bench bench_tuf_run)
