# ms_add_cmocka_tests(PART LIBS...): every tests/<PART>/test_<module>.c becomes one executable and one
# ctest test named <PART>/<module>, linked against the same static objects as the programs.
# Tests find data through the environment: MS_SOURCE_DIR, MS_BINARY_DIR, MS_BIN_DIR, MS_TEST_TMP.
function(ms_add_cmocka_tests part)
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/test_*.c)
  foreach(src ${tests})
    get_filename_component(name ${src} NAME_WE)
    string(REGEX REPLACE "^test_" "" module ${name})
    set(target test_${part}_${module})
    string(REPLACE "-" "_" target ${target})
    add_executable(${target} ${src})
    set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/tests/common)
    target_link_libraries(${target} PRIVATE ${ARGN} ms_testutil PkgConfig::CMOCKA)
    add_test(NAME ${part}/${module} COMMAND ${target})
    ms_test_environment(${part}/${module})
  endforeach()
endfunction()

# Environment every test gets, so tests never hard-code paths.
function(ms_test_environment test)
  set_tests_properties(${test} PROPERTIES ENVIRONMENT
    "MS_SOURCE_DIR=${CMAKE_SOURCE_DIR};MS_BINARY_DIR=${CMAKE_BINARY_DIR};MS_BIN_DIR=${MS_BIN_DIR};MS_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp;LC_ALL=C.UTF-8")
endfunction()
