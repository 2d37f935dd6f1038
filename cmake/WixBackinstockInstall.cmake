# Install rules: headers, the library, a CMake package (with version file, same-major
# compatibility) and a pkg-config file.
include(CMakePackageConfigHelpers)

set(WIX_BACKINSTOCK_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/wix_backinstock")

install(TARGETS wix_backinstock EXPORT wix_backinstockTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The testing component's headers are installed with it (tools/emulator/CMakeLists.txt).
install(DIRECTORY include/wix DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  PATTERN "testing" EXCLUDE PATTERN "prometheus_metrics.h" EXCLUDE)
if(TARGET wix_backinstock_prometheus)
  install(FILES include/wix/backinstock/prometheus_metrics.h
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wix/backinstock)
endif()
install(FILES "${PROJECT_BINARY_DIR}/include/wix/backinstock/version.h"
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wix/backinstock)
install(EXPORT wix_backinstockTargets NAMESPACE wix:: DESTINATION ${WIX_BACKINSTOCK_CMAKE_DIR})

if(TARGET wix_backinstock_mocks)
  install(TARGETS wix_backinstock_mocks EXPORT wix_backinstockMocksTargets)
  install(EXPORT wix_backinstockMocksTargets NAMESPACE wix:: DESTINATION ${WIX_BACKINSTOCK_CMAKE_DIR})
endif()

if(TARGET wix_backinstock_journal)
  install(TARGETS wix_backinstock_journal EXPORT wix_backinstockJournalTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(EXPORT wix_backinstockJournalTargets NAMESPACE wix:: DESTINATION ${WIX_BACKINSTOCK_CMAKE_DIR})
endif()
if(TARGET wix_backinstock_prometheus)
  install(TARGETS wix_backinstock_prometheus EXPORT wix_backinstockPrometheusTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(EXPORT wix_backinstockPrometheusTargets NAMESPACE wix::
    DESTINATION ${WIX_BACKINSTOCK_CMAKE_DIR})
endif()
# What the package's config file needs to know of this build.
if(BUILD_SHARED_LIBS)
  set(WIX_BACKINSTOCK_SHARED TRUE)
else()
  set(WIX_BACKINSTOCK_SHARED FALSE)
endif()
set(WIX_BACKINSTOCK_WITH_POSTGRES ${WIX_BACKINSTOCK_JOURNAL_POSTGRES})

configure_package_config_file(cmake/wix_backinstockConfig.cmake.in
  "${PROJECT_BINARY_DIR}/wix_backinstockConfig.cmake"
  INSTALL_DESTINATION ${WIX_BACKINSTOCK_CMAKE_DIR})
# Before 1.0 each minor release may break the API: only the same 0.<minor> is compatible.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_wix_compatibility SameMinorVersion)
else()
  set(_wix_compatibility SameMajorVersion)
endif()
write_basic_package_version_file("${PROJECT_BINARY_DIR}/wix_backinstockConfigVersion.cmake"
  COMPATIBILITY ${_wix_compatibility})
install(FILES "${PROJECT_BINARY_DIR}/wix_backinstockConfig.cmake"
              "${PROJECT_BINARY_DIR}/wix_backinstockConfigVersion.cmake"
  DESTINATION ${WIX_BACKINSTOCK_CMAKE_DIR})

# A static library needs libcurl and libcrypto at the consumer's link; a shared one does not.
if(BUILD_SHARED_LIBS)
  set(WIX_BACKINSTOCK_PC_REQUIRES "nlohmann_json")
  set(WIX_BACKINSTOCK_PC_REQUIRES_PRIVATE "libcurl libssl libcrypto")
else()
  set(WIX_BACKINSTOCK_PC_REQUIRES "nlohmann_json libcurl libssl libcrypto")
  set(WIX_BACKINSTOCK_PC_REQUIRES_PRIVATE "")
endif()
# The .pc file finds its prefix from where it lies (${pcfiledir}), so that an install moved, or made
# with `cmake --install --prefix` elsewhere than the configured prefix, still points at itself.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(WIX_BACKINSTOCK_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _wix_pc_up "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
  string(REGEX REPLACE "/$" "" _wix_pc_up "${_wix_pc_up}")
  set(WIX_BACKINSTOCK_PC_PREFIX "\${pcfiledir}/${_wix_pc_up}")
endif()
configure_file(cmake/wix_backinstock.pc.in "${PROJECT_BINARY_DIR}/wix_backinstock.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/wix_backinstock.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
