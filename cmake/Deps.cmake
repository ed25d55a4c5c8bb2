# Third-party libraries, all from Debian packages (scripts/deps.sh installs them).
# Each becomes an IMPORTED target PkgConfig::<NAME> or fh::<name>.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(ICU REQUIRED IMPORTED_TARGET icu-uc icu-i18n)
pkg_check_modules(LMDB REQUIRED IMPORTED_TARGET lmdb)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(EVENT REQUIRED IMPORTED_TARGET libevent_core libevent_pthreads libevent_extra)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)
pkg_check_modules(LZMA REQUIRED IMPORTED_TARGET liblzma)
if(FH_BUILD_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()

# libstemmer (Snowball) ships no pkg-config file.
find_path(STEMMER_INCLUDE_DIR libstemmer.h REQUIRED)
find_library(STEMMER_LIBRARY stemmer REQUIRED)
add_library(fh::stemmer UNKNOWN IMPORTED)
set_target_properties(fh::stemmer PROPERTIES
  IMPORTED_LOCATION "${STEMMER_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${STEMMER_INCLUDE_DIR}")
