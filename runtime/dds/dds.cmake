# The Unitree DDS backend of libmotion (included by runtime/CMakeLists.txt). Adds the backend, its
# link and the Unitree message types (idlc at build time, see msgs.cmake) to motion_objects, links
# CycloneDDS, and defines MOTION_HAVE_DDS=1, which gives src/backend.c its "dds" entry.
include(${CMAKE_CURRENT_LIST_DIR}/msgs.cmake)
motion_dds_sources(MOTION_DDS_SOURCES MOTION_DDS_INCLUDES)
target_sources(motion_objects PRIVATE ${MOTION_DDS_SOURCES}
  ${CMAKE_CURRENT_LIST_DIR}/dds_link.c ${CMAKE_CURRENT_LIST_DIR}/dds_backend.c)
target_include_directories(motion_objects PRIVATE ${MOTION_DDS_INCLUDES})
target_compile_definitions(motion_objects PRIVATE MOTION_HAVE_DDS=1)
target_link_libraries(motion_objects PUBLIC CycloneDDS::ddsc)
# The libraries made from motion_objects' objects need CycloneDDS too; linked at the end of the
# including directory so it does not matter whether they are defined before or after this file.
function(motion_dds_link_libraries)
  foreach(lib motion_static motion)
    if(TARGET ${lib})
      target_link_libraries(${lib} PUBLIC CycloneDDS::ddsc)
    endif()
  endforeach()
endfunction()
cmake_language(DEFER CALL motion_dds_link_libraries)
# The backend's internal headers (and the generated types) for its fuzzer,
# tests/fuzz/fuzz_dds_lowstate.c: `ms_add_fuzzer(dds_lowstate motion_dds_internal)`.
add_library(motion_dds_internal INTERFACE)
target_include_directories(motion_dds_internal INTERFACE ${MOTION_DDS_INCLUDES})
target_link_libraries(motion_dds_internal INTERFACE motion_static)
