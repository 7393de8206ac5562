# The first example package: a wave for g1-29dof (owner: the package format, issue 2).
include(${CMAKE_CURRENT_LIST_DIR}/cmake/MsPackages.cmake)
ms_add_example_package(g1-wave)
