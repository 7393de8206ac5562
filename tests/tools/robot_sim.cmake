# robot-sim tests (owner: the DDS backend). robot_sim_drive speaks to robot-sim through the DDS
# backend's link (the same runtime/dds sources as libmotion) with the robot models of libmpk.
include(${CMAKE_SOURCE_DIR}/runtime/dds/msgs.cmake)
motion_dds_sources(ROBOT_SIM_TEST_DDS_SOURCES ROBOT_SIM_TEST_DDS_INCLUDES)
add_executable(robot_sim_drive robot_sim_drive.c ${ROBOT_SIM_TEST_DDS_SOURCES}
               ${MOTION_DDS_DIR}/dds_link.c)
set_target_properties(robot_sim_drive PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
target_include_directories(robot_sim_drive PRIVATE ${ROBOT_SIM_TEST_DDS_INCLUDES})
target_link_libraries(robot_sim_drive PRIVATE mpk_static CycloneDDS::ddsc Threads::Threads
                      ${MATH_LIBRARY})
ms_add_py_test(tools/robot_sim robot_sim.py TIMEOUT 240 LABELS nosan)
