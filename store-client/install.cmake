# The install side of libmstore (install*.c, extract.c, catalog.c, ...) extracts packages with
# libarchive: linked here so that store-client/CMakeLists.txt stays the TUF core's.
# SHA-256 of extracted files goes through OpenSSL's libcrypto (already in the process through
# libcurl), which uses the CPU's SHA instructions: hashing is most of an install's CPU time.
pkg_check_modules(LIBCRYPTO REQUIRED IMPORTED_TARGET libcrypto)
target_link_libraries(mstore_objects PUBLIC PkgConfig::LIBARCHIVE PkgConfig::LIBCRYPTO)
target_link_libraries(mstore_static PUBLIC PkgConfig::LIBARCHIVE PkgConfig::LIBCRYPTO)
target_link_libraries(mstore PRIVATE PkgConfig::LIBARCHIVE PkgConfig::LIBCRYPTO)
