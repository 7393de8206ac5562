# motiond under API load (owner: motiond): API latency p50/p99 with 50 concurrent wrk clients while
# a motion plays, and the control loop's wake-up latency over the same seconds. Prints figures.
#   cmake --build BUILD --target bench_motiond_run
if(TARGET motiond)
  find_package(Python3 COMPONENTS Interpreter)
  add_custom_target(bench_motiond_run
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/bench_motiond.py
            --build ${CMAKE_BINARY_DIR}
    DEPENDS motiond mstore-server mpk_cli example_packages
    USES_TERMINAL
    COMMENT "bench_motiond: API latency under 50 connections and the loop's wake-up latency")
  add_dependencies(bench bench_motiond_run)
endif()
