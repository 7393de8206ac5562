# Runtime tests (owner: the runtime; the DDS tests have their own dds.cmake). The unit tests
# test_<module>.c are registered by CMakeLists.txt; here they get rt_testlib (random motions,
# packages, the lock-step rig) and libmotion's internal headers (the lock-free queue's test).
add_library(rt_testlib STATIC ${CMAKE_CURRENT_SOURCE_DIR}/rt_testlib.c)
target_link_libraries(rt_testlib PUBLIC motion_static ms_testutil)

file(GLOB rt_unit_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/test_*.c)
foreach(src ${rt_unit_tests})
  get_filename_component(name ${src} NAME_WE)
  if(name MATCHES "dds")
    continue()
  endif()
  string(REGEX REPLACE "^test_" "test_runtime_" target ${name})
  target_link_libraries(${target} PRIVATE rt_testlib)
  target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/runtime/src)
endforeach()

# Counting allocations replaces malloc, which the sanitizers also do; and the threaded loop's
# timing tests want a quiet, uninstrumented process.
if(TEST runtime/alloc)
  set_tests_properties(runtime/alloc PROPERTIES LABELS nosan)
endif()

# motion-play and `mpk play` on real packages (the example g1-wave, a Go2 package built by mpk).
ms_add_py_test(runtime/motion_play motion_play.py TIMEOUT 300)
