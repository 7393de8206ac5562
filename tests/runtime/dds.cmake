# DDS tests (owner: the DDS backend). Helper programs that speak Unitree's protocol, built from the
# same runtime/dds sources as libmotion, and the Python scenario tests that drive them with
# robot-sim on loopback. Each test uses its own DDS domain id so parallel tests never meet.
include(${CMAKE_SOURCE_DIR}/runtime/dds/msgs.cmake)
motion_dds_sources(TEST_DDS_SOURCES TEST_DDS_INCLUDES)
add_library(motion_dds_testlib STATIC ${TEST_DDS_SOURCES} ${MOTION_DDS_DIR}/dds_link.c)
target_include_directories(motion_dds_testlib PUBLIC ${TEST_DDS_INCLUDES})
target_link_libraries(motion_dds_testlib PUBLIC CycloneDDS::ddsc Threads::Threads ${MATH_LIBRARY})

foreach(helper dds_capture dds_pattern_pub)
  add_executable(${helper} ${helper}.c)
  set_target_properties(${helper} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(${helper} PRIVATE motion_dds_testlib)
endforeach()
# A signed test package shaped like the examples, for the end-to-end test (libmpk writes it).
add_executable(dds_make_package dds_make_package.c)
set_target_properties(dds_make_package PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
target_link_libraries(dds_make_package PRIVATE mpk_static ${MATH_LIBRARY})

# CycloneDDS's serdata header (raw samples) uses GNU inline asm.
set_target_properties(dds_capture PROPERTIES C_EXTENSIONS ON)

# The unit tests of runtime/dds (test_dds_*.c, linked with motion_static like every runtime test)
# see the backend's internal headers and the types idlc generated for libmotion.
file(GLOB dds_unit_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/test_dds_*.c)
foreach(src ${dds_unit_tests})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "^test_" "test_runtime_" target ${name})
  if(TARGET ${target})
    target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/runtime/dds
                               ${CMAKE_BINARY_DIR}/runtime/dds-gen ${CMAKE_SOURCE_DIR}/runtime/src)
  endif()
endforeach()

ms_add_py_test(runtime/dds_bytes dds_bytes.py TIMEOUT 120 LABELS nosan)
# The runtime's player on robot-sim over the dds backend (needs motion-play and robot-sim).
if(TARGET motion_play AND TARGET robot-sim)
  ms_add_py_test(runtime/dds_play dds_play.py TIMEOUT 300 LABELS nosan)
endif()
# motiond itself on robot-sim over DDS, checked on the wire (needs motiond, robot-sim and a store).
if(TARGET motiond AND TARGET robot-sim AND TARGET mstore-server)
  ms_add_py_test(runtime/dds_motiond dds_motiond.py TIMEOUT 300 LABELS nosan)
endif()
