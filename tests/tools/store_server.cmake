# Tests of tools/store-server (mstore-server) and of `mpk upload`.
# Unit tests: store_server/test_*.c (cmocka) linked with the server's objects.
# Scenario tests: store_server/*.py driving the real programs on 127.0.0.1 (and nginx).
if(NOT TARGET store_server_objects)
  return()
endif()

file(GLOB srv_unit_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/store_server/test_*.c)
foreach(src ${srv_unit_tests})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "^test_" "" module ${name})
  set(target test_tools_store_server_${module})
  add_executable(${target} ${src})
  set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(${target} PRIVATE store_server_objects ms_testutil PkgConfig::CMOCKA)
  add_test(NAME tools/store_server_unit_${module} COMMAND ${target})
  ms_test_environment(tools/store_server_unit_${module})
endforeach()

# Helpers the scenario tests run: a package maker and a robot-side TUF client.
add_executable(ms_store_mkpkg store_server/mkpkg.c)
target_link_libraries(ms_store_mkpkg PRIVATE mpk_static)
add_executable(ms_store_client store_server/client.c)
target_link_libraries(ms_store_client PRIVATE mstore_static mpk_static)
set_target_properties(ms_store_mkpkg ms_store_client PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${MS_BIN_DIR})

# Every store_server/scenario_<name>.py is the test tools/store_server_<name>. Those that measure
# nothing but need real timing (many processes, kill loops) skip the sanitizer run.
set(srv_nosan concurrent crash)
file(GLOB srv_scenarios CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/store_server/scenario_*.py)
foreach(script ${srv_scenarios})
  get_filename_component(name ${script} NAME_WE)
  string(REGEX REPLACE "^scenario_" "" name ${name})
  if(name IN_LIST srv_nosan)
    ms_add_py_test(tools/store_server_${name} store_server/scenario_${name}.py TIMEOUT 900 LABELS nosan)
  else()
    ms_add_py_test(tools/store_server_${name} store_server/scenario_${name}.py TIMEOUT 300)
  endif()
  # A scenario that needs something the project does not ship (python_tuf) exits 77: skipped.
  set_tests_properties(tools/store_server_${name} PROPERTIES SKIP_RETURN_CODE 77)
endforeach()
