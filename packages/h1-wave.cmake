# Example package h1-wave (owner: the authoring SDK, issue 3).
include(${CMAKE_CURRENT_LIST_DIR}/cmake/MsPackages.cmake)
ms_add_example_package(h1-wave)
