# Unitree message types for every part that speaks the robot's DDS protocol: libmotion's DDS backend
# (runtime/dds/dds.cmake), tools/robot-sim, the DDS tests and benchmarks.
#
# motion_dds_sources(SOURCES_VAR INCLUDES_VAR): runs idlc on idl/*.idl at build time into this
# directory's binary folder and returns the sources to compile (generated type descriptors, the
# CRC, the participant helper) and the include folders. Each including directory gets its own
# generated copy, so no build rule is shared between directories.
find_package(CycloneDDS REQUIRED CONFIG)
find_program(MS_IDLC idlc REQUIRED)
set(MOTION_DDS_DIR ${CMAKE_CURRENT_LIST_DIR})

function(motion_dds_sources sources_var includes_var)
  set(gen ${CMAKE_CURRENT_BINARY_DIR}/dds-gen)
  set(sources ${MOTION_DDS_DIR}/unitree_crc.c ${MOTION_DDS_DIR}/dds_domain.c)
  foreach(idl unitree_hg unitree_go)
    add_custom_command(
      OUTPUT ${gen}/${idl}.c ${gen}/${idl}.h
      COMMAND ${CMAKE_COMMAND} -E make_directory ${gen}
      COMMAND ${MS_IDLC} -o ${gen} ${MOTION_DDS_DIR}/idl/${idl}.idl
      DEPENDS ${MOTION_DDS_DIR}/idl/${idl}.idl
      COMMENT "idlc ${idl}.idl"
      VERBATIM)
    list(APPEND sources ${gen}/${idl}.c)
  endforeach()
  # idlc's output is not ours to keep warning-free.
  set_source_files_properties(${gen}/unitree_hg.c ${gen}/unitree_go.c PROPERTIES
    COMPILE_OPTIONS "-Wno-missing-prototypes;-Wno-missing-field-initializers")
  set(${sources_var} ${sources} PARENT_SCOPE)
  set(${includes_var} ${gen} ${MOTION_DDS_DIR} PARENT_SCOPE)
endfunction()
