# tools/robotgen: the committed model table is what the generator writes, the URDF copies are
# Unitree's originals, and bad specs or URDFs are refused (docs/robots.md).
get_property(robotgen_args GLOBAL PROPERTY ROBOTGEN_ARGS)
if(TARGET robotgen)
  # Nobody hand-edits sdk/src/robots_generated.c: regenerating must give exactly the same bytes.
  add_test(NAME tools/robotgen-uptodate
    COMMAND robotgen ${robotgen_args} --check ${CMAKE_SOURCE_DIR}/sdk/src/robots_generated.c)
  ms_test_environment(tools/robotgen-uptodate)
  ms_add_py_test(tools/robotgen-errors robotgen_check.py ARGS errors)
endif()
# Compares the URDF copies with the shared originals only when MS_SHARED_DIR names them; skips
# (exit 77) otherwise, so nothing reads ../shared by itself.
ms_add_py_test(tools/robotgen-urdf-copies robotgen_check.py ARGS copies)
set_tests_properties(tools/robotgen-urdf-copies PROPERTIES SKIP_RETURN_CODE 77)
