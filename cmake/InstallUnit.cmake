# Run by `cmake --install` (install(SCRIPT) in the top-level CMakeLists.txt):
# writes the example systemd unit with the paths of this installation, which
# are known only now (`cmake --install --prefix P` may differ from the
# configured CMAKE_INSTALL_PREFIX). FH_SOURCE_DIR, FH_BINARY_DIR (the build
# tree, where the unit is written before it is installed), FH_BINDIR_REL and
# FH_DOCDIR_REL are set by the install(CODE) just before this script.
foreach(_fh_dir BINDIR DOCDIR)
  if(IS_ABSOLUTE "${FH_${_fh_dir}_REL}")
    set(FH_${_fh_dir} "${FH_${_fh_dir}_REL}")
  else()
    set(FH_${_fh_dir} "${CMAKE_INSTALL_PREFIX}/${FH_${_fh_dir}_REL}")
  endif()
endforeach()
# A unit names its program by an absolute path, and '%' starts a systemd
# specifier: such installs get no unit rather than a wrong one.
if(NOT IS_ABSOLUTE "${FH_BINDIR}" OR NOT IS_ABSOLUTE "${FH_DOCDIR}" OR
   "${FH_BINDIR}${FH_DOCDIR}" MATCHES "%")
  message(STATUS "Skipping the example systemd unit: the install paths ${FH_BINDIR} and "
                 "${FH_DOCDIR} must be absolute and free of '%'")
  return()
endif()
# ExecStart= quotes the path (it may hold a space); Documentation= is a URL,
# a space in it %20, written %%20 since systemd expands specifiers there
string(REPLACE " " "%%20" FH_DOCDIR_URL "${FH_DOCDIR}")
# one file per destination, so that installs of one build tree to several
# places at once do not take each other's unit
string(MD5 _fh_key "$ENV{DESTDIR}|${CMAKE_INSTALL_PREFIX}")
set(_fh_unit "${FH_BINARY_DIR}/CMakeFiles/fh-unit-${_fh_key}/fahras-searchd.service")
configure_file("${FH_SOURCE_DIR}/docs/examples/fahras-searchd.service.in" "${_fh_unit}" @ONLY)
# file(INSTALL) prepends $DESTDIR, logs the file and lists it in the install
# manifest, as the install rules' own files are.
file(INSTALL DESTINATION "${FH_DOCDIR}/examples" TYPE FILE FILES "${_fh_unit}")
