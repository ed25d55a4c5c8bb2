# Picky warnings for every target in the project (see STYLE.md). -Werror with FH_WERROR.
set(FH_WARNINGS
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 -Wimplicit-fallthrough
  -Wcast-qual -Wpointer-arith -Wundef -Wvla -Wwrite-strings -Wnull-dereference
  -Wold-style-definition -Wmissing-declarations -Wredundant-decls)
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  list(APPEND FH_WARNINGS -Wduplicated-cond -Wlogical-op -Wjump-misses-init)
endif()
if(FH_WERROR)
  list(APPEND FH_WARNINGS -Werror)
endif()
add_compile_options(${FH_WARNINGS})
