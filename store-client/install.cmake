# The install side of libmstore (install*.c, extract.c, catalog.c, ...) extracts packages with
# libarchive: linked here so that store-client/CMakeLists.txt stays the TUF core's.
target_link_libraries(mstore_objects PUBLIC PkgConfig::LIBARCHIVE)
target_link_libraries(mstore_static PUBLIC PkgConfig::LIBARCHIVE)
target_link_libraries(mstore PRIVATE PkgConfig::LIBARCHIVE)
