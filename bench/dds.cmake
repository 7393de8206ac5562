# DDS benchmarks (owner: the DDS backend): bench_dds measures the backend's link on loopback, tick
# to subscriber receipt, at 500 Hz for 60 s. Built from the same runtime/dds sources as libmotion.
include(${CMAKE_SOURCE_DIR}/runtime/dds/msgs.cmake)
motion_dds_sources(BENCH_DDS_SOURCES BENCH_DDS_INCLUDES)
add_executable(bench_dds bench_dds.c ${BENCH_DDS_SOURCES} ${MOTION_DDS_DIR}/dds_link.c)
target_include_directories(bench_dds PRIVATE ${BENCH_DDS_INCLUDES})
target_link_libraries(bench_dds PRIVATE CycloneDDS::ddsc Threads::Threads ${MATH_LIBRARY})
add_custom_target(bench_dds_run COMMAND bench_dds --duration 60 --rate 500 USES_TERMINAL
                  COMMENT "bench_dds: 500 Hz for 60 s on loopback")
add_dependencies(bench bench_dds_run)
