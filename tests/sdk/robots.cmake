# Robot models and kinematics (libmpk robot.c, `mpk robots`, `mpk robot show|fk`).
# test_robot.c reads the URDFs itself with libxml2, independently of tools/robotgen, to compare
# the generated table with them.
if(TARGET test_sdk_robot)
  target_link_libraries(test_sdk_robot PRIVATE PkgConfig::LIBXML2)
endif()
ms_add_py_test(sdk/cli-robot cli_robot.py)
