# ms_add_example_package(DIR [KEY_PUB file]): builds the package project packages/DIR with the
# mpk program into ${MS_PACKAGES_DIR}/<id>-<version>.mpk, verifies it against KEY_PUB (default:
# the example key, packages/keys/example.key.pub) and validates it (`mpk validate`, warnings
# included: an example must be clean), as part of ALL. mpk build embeds a thumbnail rendered by
# mpk-preview, which is built first. The package is written only if all of that passes, so a
# failed build is retried next time.
include_guard(GLOBAL)

set(MS_PACKAGES_DIR ${CMAKE_BINARY_DIR}/packages CACHE INTERNAL "Where the example packages go")
set(MS_EXAMPLE_KEY ${CMAKE_SOURCE_DIR}/packages/keys/example.key CACHE INTERNAL
    "The example signing key (public knowledge, examples only)")
add_custom_target(example_packages ALL)

function(ms_add_example_package dir)
  cmake_parse_arguments(P "" "KEY_PUB" "" ${ARGN})
  if(NOT P_KEY_PUB)
    set(P_KEY_PUB ${MS_EXAMPLE_KEY}.pub)
  endif()
  set(project_dir ${CMAKE_SOURCE_DIR}/packages/${dir})
  # The output is named after the project's id and version, as `mpk build` names it.
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${project_dir}/mpk-project.json)
  file(READ ${project_dir}/mpk-project.json json)
  string(JSON id GET "${json}" id)
  string(JSON version GET "${json}" version)
  set(out ${MS_PACKAGES_DIR}/${id}-${version}.mpk)
  # The thumbnail's renderer (tools/preview) sits next to mpk in bin/.
  set(preview "")
  if(TARGET mpk_preview)
    set(preview mpk_preview)
  endif()
  file(GLOB_RECURSE inputs CONFIGURE_DEPENDS ${project_dir}/*)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${MS_PACKAGES_DIR}
    COMMAND $<TARGET_FILE:mpk_cli> build ${project_dir} -o ${out}.new
    COMMAND $<TARGET_FILE:mpk_cli> verify ${out}.new --key ${P_KEY_PUB}
    COMMAND $<TARGET_FILE:mpk_cli> validate ${out}.new --strict
    COMMAND ${CMAKE_COMMAND} -E rename ${out}.new ${out}
    DEPENDS mpk_cli ${preview} ${inputs} ${MS_EXAMPLE_KEY} ${P_KEY_PUB}
    COMMENT "Building and verifying example package ${id} ${version}"
    VERBATIM)
  string(MAKE_C_IDENTIFIER "package_${dir}" target)
  add_custom_target(${target} DEPENDS ${out})
  add_dependencies(example_packages ${target})
endfunction()
