# The install side of the store client: the repository builder used by the scenarios and the
# benchmarks, and the scenario tests that drive the real mstore program.
add_executable(mstore_testrepo ${CMAKE_CURRENT_SOURCE_DIR}/mstore_testrepo.c)
target_link_libraries(mstore_testrepo PRIVATE mstore_static mpk_static PkgConfig::JANSSON)

foreach(scenario install_flow bad_http bad_repo bad_package sideload crash server nospace update_lock
                 terminal)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/scenario_${scenario}.py)
    ms_add_py_test(store-client/scenario_${scenario} scenario_${scenario}.py TIMEOUT 900)
    # scenario_server needs mstore-server, which may not be built: it exits 77 then.
    set_tests_properties(store-client/scenario_${scenario} PROPERTIES SKIP_RETURN_CODE 77)
  endif()
  # The crash trials spawn hundreds of installers under strace and kill some after random
  # delays: five minutes under the sanitizers, for nothing the plain run does not check.
  if(scenario STREQUAL "crash" AND TEST store-client/scenario_crash)
    set_tests_properties(store-client/scenario_crash PROPERTIES LABELS nosan)
  endif()
endforeach()
