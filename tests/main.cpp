// The test runner: Catch2's main. rapidcheck properties run inside Catch2 test cases
// (rapidcheck/catch.h), so one binary holds every example and property.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
