# Authoring SDK (owner: issue 3): the authoring commands end to end, the installed SDK, and each
# public header of libmpk compiled alone.
ms_add_py_test(sdk/cli-authoring cli_authoring.py TIMEOUT 300)

# The install test links the example against the installed libraries: a sanitizer build's objects
# need the sanitizer runtime at link time too. Fuzzer builds do not install anything usable.
if(NOT MS_FUZZ)
  set(sdk_install_flags "")
  if(MS_SANITIZE)
    set(sdk_install_flags "-fsanitize=address,undefined")
  endif()
  ms_add_py_test(sdk/install sdk_install.py ARGS --cflags "${sdk_install_flags}" TIMEOUT 300)
  set_tests_properties(sdk/install PROPERTIES ENVIRONMENT_MODIFICATION "CC=set:${CMAKE_C_COMPILER}")
endif()

# Every public header compiles alone with -pedantic -Werror (it includes what it needs).
file(GLOB mpk_public_headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/sdk/include/mpk/*.h)
set(mpk_header_sources)
foreach(h ${mpk_public_headers})
  get_filename_component(stem ${h} NAME_WE)
  set(src ${CMAKE_CURRENT_BINARY_DIR}/mpk_header_alone_${stem}.c)
  file(CONFIGURE OUTPUT ${src} CONTENT
       "#include \"mpk/${stem}.h\"\nint mpk_header_alone_${stem}(void);\nint mpk_header_alone_${stem}(void)\n{\n    return 0;\n}\n")
  list(APPEND mpk_header_sources ${src})
endforeach()
add_library(mpk_headers_alone OBJECT ${mpk_header_sources})
target_include_directories(mpk_headers_alone PRIVATE ${CMAKE_SOURCE_DIR}/sdk/include)
target_compile_options(mpk_headers_alone PRIVATE -std=c11 -pedantic -Werror -Wall -Wextra)
