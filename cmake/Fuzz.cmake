# Fuzz.cmake — the fuzz targets of tests/fuzz (included from there).
#
# FH_FUZZ=ON (clang only; `cmake --preset fuzz`): each target is a libFuzzer
# binary built with -fsanitize=fuzzer,address,undefined, and the project's
# libraries it links get coverage instrumentation (fuzzer-no-link) plus
# ASan/UBSan. ctest still replays the saved corpus (-runs=0).
# FH_FUZZ=OFF (the default; any compiler): each target's
# LLVMFuzzerTestOneInput is linked with tests/fuzz/replay_main.c, a small
# main() that runs it on every file of tests/fuzz/corpus/<target>/. Either
# way the ctest name is fuzz_<target>, with label `fuzz`.
option(FH_FUZZ "Build tests/fuzz as libFuzzer targets (clang, ASan+UBSan)" OFF)

set(FH_FUZZ_SANITIZE address,undefined)
if(FH_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "FH_FUZZ needs clang (cmake --preset fuzz, or -DCMAKE_C_COMPILER=clang)")
  endif()
  if(FH_TSAN)
    message(FATAL_ERROR "FH_FUZZ and FH_TSAN are exclusive")
  endif()
endif()

# Coverage + sanitizers for project libraries the fuzz targets link (they are
# defined elsewhere; target properties can be set from any directory).
function(fh_fuzz_instrument)
  if(NOT FH_FUZZ)
    return()
  endif()
  foreach(t ${ARGN})
    if(TARGET ${t})
      get_target_property(_done ${t} FH_FUZZ_INSTRUMENTED)
      if(NOT _done)
        target_compile_options(${t} PRIVATE -fsanitize=fuzzer-no-link,${FH_FUZZ_SANITIZE}
          -fno-sanitize-recover=all -fno-omit-frame-pointer)
        target_link_options(${t} INTERFACE -fsanitize=${FH_FUZZ_SANITIZE})
        set_target_properties(${t} PROPERTIES FH_FUZZ_INSTRUMENTED ON)
      endif()
    endif()
  endforeach()
endfunction()

# fh_add_fuzz_target(NAME SOURCES src... LIBS lib... [DEFS def...])
# Corpus: ${CMAKE_CURRENT_SOURCE_DIR}/corpus/NAME.
function(fh_add_fuzz_target name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS;DEFS;INCLUDES" ${ARGN})
  set(exe fuzz_${name})
  set(corpus ${CMAKE_CURRENT_SOURCE_DIR}/corpus/${name})
  if(FH_FUZZ)
    add_executable(${exe} ${F_SOURCES} fuzz_util.c)
    target_compile_options(${exe} PRIVATE -fsanitize=fuzzer,${FH_FUZZ_SANITIZE}
      -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(${exe} PRIVATE -fsanitize=fuzzer,${FH_FUZZ_SANITIZE})
    add_test(NAME ${exe} COMMAND ${exe} -runs=0 ${corpus})
  else()
    add_executable(${exe} ${F_SOURCES} fuzz_util.c replay_main.c)
    add_test(NAME ${exe} COMMAND ${exe} ${corpus})
  endif()
  target_include_directories(${exe} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR} ${F_INCLUDES})
  target_link_libraries(${exe} PRIVATE ${F_LIBS})
  if(F_DEFS)
    target_compile_definitions(${exe} PRIVATE ${F_DEFS})
  endif()
  set_tests_properties(${exe} PROPERTIES LABELS fuzz TIMEOUT 300)
endfunction()
