# Sourced by the bench scripts: find_program NAME prints the absolute path of a program built in
# $BUILD_DIR — hubrules at the build directory's top, the bench programs under bench/ — or
# calls the script's die.
find_program() {
  local found
  for found in "$BUILD_DIR/$1" "$BUILD_DIR/bench/$1"; do
    if [[ -x $found && -f $found ]]; then
      printf '%s\n' "$(cd "$(dirname "$found")" && pwd)/$(basename "$found")"
      return
    fi
  done
  die "$1 not found in $BUILD_DIR (build it, or drop --no-build)"
}
