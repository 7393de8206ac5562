# Example package g1-dance (owner: the authoring SDK, issue 3).
include(${CMAKE_CURRENT_LIST_DIR}/cmake/MsPackages.cmake)
ms_add_example_package(g1-dance)
