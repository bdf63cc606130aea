# hubrules_folder_library(NAME FOLDER dir USES folders… [LINKS targets…] [EXCLUDE files…] [RECURSE])
# One static library for one folder of sources (with RECURSE, its subfolders too). USES names the project folders the folder may
# include (runtime/base, engine, …); the library links their libraries, and a build step
# (cmake/check_includes.cmake) fails when a source includes anything else. So a dependency that
# points back up the layers breaks the build.
function(hubrules_folder_library name)
  cmake_parse_arguments(arg "RECURSE" "FOLDER" "USES;LINKS;EXCLUDE" ${ARGN})
  set(glob GLOB)
  if(arg_RECURSE)
    set(glob GLOB_RECURSE)
  endif()
  file(${glob} sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${arg_FOLDER}/*.cpp)
  file(${glob} headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${arg_FOLDER}/*.hpp)
  foreach(excluded IN LISTS arg_EXCLUDE)
    list(REMOVE_ITEM sources ${PROJECT_SOURCE_DIR}/${arg_FOLDER}/${excluded})
  endforeach()
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  set(used_libraries "")
  foreach(folder IN LISTS arg_USES)
    string(REGEX REPLACE "^runtime/" "" short "${folder}")
    list(APPEND used_libraries hubrules_${short})
  endforeach()
  target_link_libraries(${name} PUBLIC ${used_libraries} ${arg_LINKS})

  string(REPLACE ";" "," allowed "${arg_USES}")
  set(stamp ${CMAKE_CURRENT_BINARY_DIR}/${name}.includes-checked)
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DFOLDER=${arg_FOLDER}
            "-DALLOWED=${allowed}" -DSTAMP=${stamp} -P ${PROJECT_SOURCE_DIR}/cmake/check_includes.cmake
    DEPENDS ${sources} ${headers} ${PROJECT_SOURCE_DIR}/cmake/check_includes.cmake
    COMMENT "Checking what ${arg_FOLDER}/ includes" VERBATIM)
  add_custom_target(${name}_includes DEPENDS ${stamp})
  add_dependencies(${name} ${name}_includes)
endfunction()
