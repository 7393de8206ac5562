# motiond's tests (owner: motiond). Scenario tests drive the real programs on 127.0.0.1: a real
# mstore-server seeded with the example packages, motiond on the simulated robot, mstore over the
# Unix socket, and Debian's chromium for the phone page. The unit test of the request parsers,
# test_motiond_request.c, is registered by CMakeLists.txt and linked here with motiond_core.
if(NOT TARGET motiond)
  return()
endif()

foreach(t motiond_request)
  if(TARGET test_runtime_${t})
    target_link_libraries(test_runtime_${t} PRIVATE motiond_core)
  endif()
endforeach()

set(motiond_programs motiond mstore_cli mstore-server mpk_cli example_packages)
ms_add_py_test(runtime/motiond_api motiond_api.py TIMEOUT 300)
ms_add_py_test(runtime/motiond_e2e motiond_e2e.py TIMEOUT 600)
# E-stop during an install and under load: many threads on a 2-core machine, and a control loop
# whose timing the sanitizers would distort; its assertions are about order, not speed.
ms_add_py_test(runtime/motiond_estop motiond_estop.py TIMEOUT 300)
# Store jobs beside another process that holds libmstore's metadata lock.
ms_add_py_test(runtime/motiond_store_lock motiond_store_lock.py TIMEOUT 300)
# Thumbnails of catalog packages not installed, fetched and verified through the TUF metadata.
ms_add_py_test(runtime/motiond_catalog_thumbnail motiond_catalog_thumbnail.py TIMEOUT 300)
# The "error" event (the sim robot falls silent: the watchdog), the log's levels and journald
# priorities, and SIGTERM's last command to the robot (damping, through the record backend).
ms_add_py_test(runtime/motiond_events motiond_events.py TIMEOUT 300)
# The README's first command (tools/demo) on this build: the whole story, then a failing demo
# that must still stop every program it started.
ms_add_py_test(runtime/motiond_demo motiond_demo.py TIMEOUT 300)

# With the Unitree DDS backend on robot-sim's MuJoCo G1 (real-time physics: nosan, as dds_play).
if(TARGET robot-sim)
  ms_add_py_test(runtime/motiond_dds motiond_dds.py TIMEOUT 300 LABELS nosan)
endif()

# The browser test: Debian's chromium driven by playwright-core (tests/web, installed by
# tools/setup with npm ci). Screenshots go to BUILD/test-artifacts/.
find_program(MS_NODE node)
if(MS_NODE)
  add_test(NAME runtime/motiond_browser
           COMMAND ${MS_NODE} ${CMAKE_SOURCE_DIR}/tests/web/motiond_browser.mjs)
  ms_test_environment(runtime/motiond_browser)
  set_tests_properties(runtime/motiond_browser PROPERTIES TIMEOUT 300)
endif()
