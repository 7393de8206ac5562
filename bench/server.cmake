# Cloud store benchmarks (owner: mstore-server, issue 5). bench_server.py prints:
#  - publish latency with 10,000 packages already in the catalog (upload -> published, and a
#    full republish by `mstore-server publish`);
#  - static GET throughput with wrk, from mstore-server and from nginx with the shipped config;
#  - upload throughput (review queue: intake only; direct: intake and publish).
if(TARGET mstore-server AND TARGET ms_store_mkpkg)
  add_custom_target(bench_server_run
    COMMAND ${CMAKE_COMMAND} -E env MS_BIN_DIR=${MS_BIN_DIR} MS_SOURCE_DIR=${CMAKE_SOURCE_DIR}
            MS_TEST_TMP=${CMAKE_BINARY_DIR}/bench-tmp
            python3 ${CMAKE_CURRENT_SOURCE_DIR}/bench_server.py
    DEPENDS mstore-server ms_store_mkpkg ms_store_client mpk_cli
    USES_TERMINAL COMMENT "bench_server: publish latency at 10,000 packages, GET and upload throughput")
  add_dependencies(bench bench_server_run)
endif()
