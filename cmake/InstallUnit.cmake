# Run by `cmake --install` (install(SCRIPT) in the top-level CMakeLists.txt):
# writes the example systemd unit with the paths of this installation, which
# are known only now (`cmake --install --prefix P` may differ from the
# configured CMAKE_INSTALL_PREFIX). FH_SOURCE_DIR, FH_BINARY_DIR (the build
# tree, where the unit is written before it is installed), FH_BINDIR_REL and
# FH_DOCDIR_REL are set by the install(CODE) just before this script.
if(IS_ABSOLUTE "${FH_BINDIR_REL}")
  set(FH_BINDIR "${FH_BINDIR_REL}")
else()
  set(FH_BINDIR "${CMAKE_INSTALL_PREFIX}/${FH_BINDIR_REL}")
endif()
if(IS_ABSOLUTE "${FH_DOCDIR_REL}")
  set(FH_DOCDIR "${FH_DOCDIR_REL}")
else()
  set(FH_DOCDIR "${CMAKE_INSTALL_PREFIX}/${FH_DOCDIR_REL}")
endif()
set(_fh_unit "${FH_BINARY_DIR}/fahras-searchd.service")
configure_file("${FH_SOURCE_DIR}/docs/examples/fahras-searchd.service.in" "${_fh_unit}" @ONLY)
# file(INSTALL) prepends $DESTDIR, logs the file and lists it in
# install_manifest.txt, as the install rules' own files are.
file(INSTALL DESTINATION "${FH_DOCDIR}/examples" TYPE FILE FILES "${_fh_unit}")
