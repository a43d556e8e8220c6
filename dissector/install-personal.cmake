# cmake -DPLUGIN=<nvmetrace.so> -DABI=<major.minor> -P install-personal.cmake
# Copies the plugin into the personal plugin folder of whoever runs the build ($HOME is read
# now, not when the tree was configured).
if(NOT DEFINED ENV{HOME} OR "$ENV{HOME}" STREQUAL "")
  message(FATAL_ERROR "install-plugin: HOME is not set")
endif()
set(dest "$ENV{HOME}/.local/lib/wireshark/plugins/${ABI}/epan")
file(MAKE_DIRECTORY "${dest}")
file(COPY "${PLUGIN}" DESTINATION "${dest}")
message(STATUS "nvmetrace plugin installed: ${dest}/nvmetrace.so")
execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
if(uid STREQUAL "0")
  message(WARNING "Wireshark ignores personal plugin folders when run as root: as root, install "
                  "system-wide with `cmake --install <build>` instead.")
endif()
