# Tests of mpk-preview (tools/preview): the cmocka files test_preview_*.c in this folder are made
# into targets by tests/tools/CMakeLists.txt (linked with libmpk); here they also get the preview's
# own library and the shared helpers of preview_testlib.c.
if(TARGET mpk_preview_static)
  add_library(preview_testlib STATIC ${CMAKE_CURRENT_LIST_DIR}/preview_testlib.c)
  target_link_libraries(preview_testlib PUBLIC mpk_preview_static PkgConfig::CMOCKA)
  target_include_directories(preview_testlib PUBLIC ${CMAKE_CURRENT_LIST_DIR})

  file(GLOB preview_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/test_preview_*.c)
  foreach(src ${preview_tests})
    get_filename_component(name ${src} NAME_WE)
    string(REGEX REPLACE "^test_" "" module ${name})
    target_link_libraries(test_tools_${module} PRIVATE preview_testlib)
    # SDL's X11 and audio back ends keep a few allocations for the life of the process; the
    # suppressions name only those libraries, so a leak of ours still fails the sanitizer run.
    set_property(TEST tools/${module} APPEND PROPERTY ENVIRONMENT
                 "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_LIST_DIR}/preview.lsan.supp")
  endforeach()
  # The program tests need the programs they run.
  add_dependencies(test_tools_preview_cli mpk_preview mpk_cli)
  add_dependencies(test_tools_preview_window mpk_preview)
  if(TARGET example_packages)
    add_dependencies(test_tools_preview_window example_packages) # the wave in the window
  endif()
  # The preview against the runtime's real loop: motion-play records the example wave.
  if(TARGET motion_play)
    add_dependencies(test_tools_preview_runtime motion_play example_packages)
  endif()
  set_tests_properties(tools/preview_window PROPERTIES TIMEOUT 120)
endif()
