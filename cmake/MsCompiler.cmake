# Warnings, sanitizers and fuzzing flags shared by every target.
add_compile_options(-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
                    -Wformat=2 -Wno-unused-parameter -Wvla -D_GNU_SOURCE)
# Messages are truncated on purpose where buffers are bounded; paths check snprintf's result instead.
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  add_compile_options(-Wno-format-truncation)
endif()
if(MS_WERROR)
  add_compile_options(-Werror)
endif()

if(MS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  add_compile_definitions(MS_SANITIZE=1)
endif()

if(MS_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "MS_FUZZ needs clang: cmake -DCMAKE_C_COMPILER=clang -DMS_FUZZ=ON")
  endif()
  # Libraries get coverage instrumentation; only the harnesses link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  add_compile_definitions(MS_FUZZ=1)
endif()
