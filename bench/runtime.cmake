# Runtime benchmarks (owner: the runtime). They print figures; nothing passes or fails on speed.
#   bench_runtime_tick     cost of one tick for g1-29dof (median, p99) and allocations per tick
#   bench_runtime_latency  the loop's wake-up latency at 500 Hz for 60 s, idle and other cores busy
# Instructions per tick (independent of the machine's load), with valgrind:
#   cmake --build BUILD --target bench_runtime_callgrind
add_executable(bench_runtime_tick bench_runtime_tick.c)
target_link_libraries(bench_runtime_tick PRIVATE motion_static)
add_executable(bench_runtime_latency bench_runtime_latency.c)
target_link_libraries(bench_runtime_latency PRIVATE motion_static)

add_custom_target(bench_runtime_run
  COMMAND bench_runtime_tick
  COMMAND bench_runtime_latency --duration 60 --rate 500
  USES_TERMINAL
  COMMENT "bench_runtime: tick cost, then 2 x 60 s of wake-up latency at 500 Hz")
add_dependencies(bench bench_runtime_run)

find_program(MS_VALGRIND valgrind)
if(MS_VALGRIND)
  set(cg_out ${CMAKE_CURRENT_BINARY_DIR}/callgrind.runtime_tick)
  add_custom_target(bench_runtime_callgrind
    COMMAND ${MS_VALGRIND} --tool=callgrind --callgrind-out-file=${cg_out}
            --toggle-collect=bench_player_ticks $<TARGET_FILE:bench_runtime_tick> --callgrind 20000
    COMMAND ${CMAKE_COMMAND} -E echo "instructions per tick = the Collected count above / 20000"
    USES_TERMINAL
    COMMENT "bench_runtime: player + filter instructions per tick under callgrind")
endif()
