# Store client benchmarks (owner: the robot's store client, issue 6). bench_install.py prints:
#  - `mstore update` time and peak memory with 10,000 and 100,000 catalog entries;
#  - `mstore install` of a 50 MB package from loopback against curl + sha256sum + bsdtar (ratio);
#  - peak memory of an install for 5, 50 and 150 MB packages.
if(TARGET mstore_cli AND TARGET mstore_testrepo)
  add_custom_target(bench_store_client_run
    COMMAND ${CMAKE_COMMAND} -E env MS_BIN_DIR=${MS_BIN_DIR} MS_TEST_TMP=${CMAKE_BINARY_DIR}/bench-tmp
            python3 ${CMAKE_CURRENT_SOURCE_DIR}/bench_install.py
    DEPENDS mstore_cli mstore_testrepo
    USES_TERMINAL COMMENT "bench_install: mstore update at 10k/100k entries, 50 MB install vs curl+sha256sum+bsdtar")
  add_dependencies(bench bench_store_client_run)
endif()
