# Tests of libmstore's TUF core (owner: the TUF engineer): helpers shared by the TUF tests (a test
# HTTP server and a repository builder), the public headers compiled alone, the exported symbols,
# and the public TUF conformance suite when its sources are at hand.

add_library(mstore_tuftest STATIC tuf_testsrv.c tuf_testrepo.c)
target_include_directories(mstore_tuftest PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}
                           ${CMAKE_SOURCE_DIR}/tests/common)
target_link_libraries(mstore_tuftest PUBLIC mstore_static ms_testutil Threads::Threads)
foreach(module updater download metadata keys)
  if(TARGET test_store_client_${module})
    target_link_libraries(test_store_client_${module} PRIVATE mstore_tuftest)
  endif()
endforeach()
if(TARGET test_store_client_download)
  target_link_libraries(test_store_client_download PRIVATE PkgConfig::MHD)
endif()
# Downloads wait for stalls and backoffs on purpose: give them room under the sanitizers.
if(TEST store-client/download)
  set_tests_properties(store-client/download PROPERTIES TIMEOUT 300)
endif()

# Every public header compiles on its own, in strict C11.
file(GLOB mstore_headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/store-client/include/mstore/*.h)
set(header_sources)
foreach(h ${mstore_headers})
  get_filename_component(name ${h} NAME_WE)
  set(src ${CMAKE_CURRENT_BINARY_DIR}/header_check/${name}.c)
  file(WRITE ${src}.in "#include \"mstore/${name}.h\"\nint mstore_header_check_${name}(void);\nint mstore_header_check_${name}(void) { return 0; }\n")
  configure_file(${src}.in ${src} COPYONLY)
  list(APPEND header_sources ${src})
endforeach()
add_library(mstore_header_check OBJECT ${header_sources})
target_include_directories(mstore_header_check PRIVATE ${CMAKE_SOURCE_DIR}/store-client/include)
target_link_libraries(mstore_header_check PRIVATE PkgConfig::JANSSON)
target_compile_options(mstore_header_check PRIVATE -pedantic -Werror)

# The shared library exports nothing but mstore_* symbols.
add_test(NAME store-client/exports
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/check_exports.sh $<TARGET_FILE:mstore> mstore_)

# The public TUF conformance suite (theupdateframework/tuf-conformance) against
# mstore-tuf-conformance. It needs the suite, python-tuf and securesystemslib as git folders,
# given as MS_TUF_CONFORMANCE_DIRS=SUITE:PYTHON_TUF:SECURESYSTEMSLIB (CI cannot fetch them, so
# the test is skipped without it). docs/tuf.md has the command.
add_test(NAME store-client/tuf-conformance
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tuf_conformance.sh
                 $<TARGET_FILE:mstore-tuf-conformance>)
set_tests_properties(store-client/tuf-conformance PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 1800
                     LABELS "conformance")
