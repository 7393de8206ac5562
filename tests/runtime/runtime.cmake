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

# Every public header compiles alone with -pedantic -Werror (it includes what it needs).
file(GLOB motion_public_headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/runtime/include/motion/*.h)
set(motion_header_sources)
foreach(h ${motion_public_headers})
  get_filename_component(stem ${h} NAME_WE)
  set(src ${CMAKE_CURRENT_BINARY_DIR}/header_alone_${stem}.c)
  file(CONFIGURE OUTPUT ${src} CONTENT
       "#include \"motion/${stem}.h\"\nint motion_header_alone_${stem}(void);\nint motion_header_alone_${stem}(void)\n{\n    return 0;\n}\n")
  list(APPEND motion_header_sources ${src})
endforeach()
add_library(motion_headers_alone OBJECT ${motion_header_sources})
target_include_directories(motion_headers_alone PRIVATE ${CMAKE_SOURCE_DIR}/runtime/include
                           ${CMAKE_SOURCE_DIR}/sdk/include)
target_compile_options(motion_headers_alone PRIVATE -pedantic -Werror)

# The loop thread's only system call while running is its sleep (strace, one trace per thread).
# nosan: the sanitizers' runtimes make system calls of their own.
if(TARGET motion_play)
  ms_add_py_test(runtime/loop_syscalls loop_syscalls.py TIMEOUT 300 LABELS nosan)
endif()
