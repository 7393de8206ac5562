# Every third-party library comes from Debian 12 (tools/setup installs them) through pkg-config,
# as imported targets PkgConfig::<NAME>.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
pkg_check_modules(LIBCURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd)
pkg_check_modules(SQLITE REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(LIBXML2 REQUIRED IMPORTED_TARGET libxml-2.0)
pkg_check_modules(SDL2 REQUIRED IMPORTED_TARGET sdl2)
pkg_check_modules(SDL2TTF IMPORTED_TARGET SDL2_ttf)
pkg_check_modules(QRENCODE IMPORTED_TARGET libqrencode)
pkg_check_modules(CMOCKA IMPORTED_TARGET cmocka)

# mbedTLS 2.28 ships no pkg-config file in Debian 12.
find_path(MBEDTLS_INCLUDE_DIR mbedtls/ecdsa.h REQUIRED)
find_library(MBEDCRYPTO_LIBRARY mbedcrypto REQUIRED)
find_library(MBEDX509_LIBRARY mbedx509 REQUIRED)
find_library(MBEDTLS_LIBRARY mbedtls REQUIRED)
add_library(ms_mbedtls INTERFACE)
target_include_directories(ms_mbedtls SYSTEM INTERFACE ${MBEDTLS_INCLUDE_DIR})
target_link_libraries(ms_mbedtls INTERFACE ${MBEDTLS_LIBRARY} ${MBEDX509_LIBRARY} ${MBEDCRYPTO_LIBRARY})

find_library(MATH_LIBRARY m REQUIRED)

# CycloneDDS and MuJoCo (Debian cyclonedds-dev/-tools 0.10.2, libmujoco-dev 2.2.2) are looked up by
# the parts that use them (runtime DDS backend, tools/robot-sim).
