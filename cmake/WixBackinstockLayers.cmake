# The library's layers: one folder of src/ each, compiled as an object library that sees its own
# folder and the folders of the layers it is declared to use (and what those use), never one
# above it: an upward `#include` does not compile. docs/architecture.md's layer table lists the
# same layers and uses (scripts/check_layers.sh compares them).

# wix_backinstock_layer(<name> [USES <lower layer>...] [LINKS <target>...] SOURCES <file>...)
# defines the object library wix_backinstock_layer_<name> from src/<name>/.
function(wix_backinstock_layer name)
  cmake_parse_arguments(ARG "" "" "USES;LINKS;SOURCES" ${ARGN})
  set(dirs "${PROJECT_SOURCE_DIR}/src/${name}")
  foreach(lower IN LISTS ARG_USES)
    get_property(lower_dirs GLOBAL PROPERTY WIX_BACKINSTOCK_LAYER_DIRS_${lower})
    if(NOT lower_dirs)
      message(FATAL_ERROR "layer ${name} uses ${lower}, which is not defined before it")
    endif()
    list(APPEND dirs ${lower_dirs})
  endforeach()
  list(REMOVE_DUPLICATES dirs)
  set_property(GLOBAL PROPERTY WIX_BACKINSTOCK_LAYER_DIRS_${name} "${dirs}")
  set_property(GLOBAL APPEND PROPERTY WIX_BACKINSTOCK_LAYERS ${name})
  list(TRANSFORM ARG_SOURCES PREPEND "${PROJECT_SOURCE_DIR}/src/${name}/")
  wix_backinstock_layer_target(wix_backinstock_layer_${name} ${name} ${ARG_SOURCES})
  target_link_libraries(wix_backinstock_layer_${name} PRIVATE ${ARG_LINKS})
endfunction()

# wix_backinstock_layer_target(<target> <layer> <source>...): an object library compiled as a
# file of <layer> is (its include paths and flags), also used by the layering test to try a file
# that includes upward.
function(wix_backinstock_layer_target target layer)
  get_property(dirs GLOBAL PROPERTY WIX_BACKINSTOCK_LAYER_DIRS_${layer})
  add_library(${target} OBJECT ${ARGN})
  target_compile_features(${target} PUBLIC cxx_std_17)
  target_include_directories(${target} PRIVATE
    "${PROJECT_SOURCE_DIR}/include" "${PROJECT_BINARY_DIR}/include" ${dirs})
  target_link_libraries(${target} PRIVATE nlohmann_json::nlohmann_json)
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  wix_backinstock_warnings(${target})
endfunction()

# The include paths of every layer at once: for this project's tests, benchmarks and fuzz
# targets, which reach internals of any layer.
function(wix_backinstock_all_layer_dirs out)
  get_property(layers GLOBAL PROPERTY WIX_BACKINSTOCK_LAYERS)
  set(all "")
  foreach(layer IN LISTS layers)
    list(APPEND all "${PROJECT_SOURCE_DIR}/src/${layer}")
  endforeach()
  set(${out} "${all}" PARENT_SCOPE)
endfunction()
