#pragma once
// The hubrules commands. Each takes its arguments (after the command name) and returns the exit
// status: 0 success, 1 failure (errors in rules or bookings, failed tests), 2 usage error.
#include <string>
#include <vector>

namespace hubrules::runtime {

using Args = std::vector<std::string>;

int run_check(const Args& args);
int run_map(const Args& args);
int run_test(const Args& args);
int run_functions(const Args& args);
int run_sync(const Args& args);
int run_retry(const Args& args);
int run_demo(const Args& args);
int run_serve(const Args& args);
// runtime/auth/command_connect.cpp
int run_connect(const Args& args);
int run_disconnect(const Args& args);
int run_schema(const Args& args);
int run_migrate(const Args& args);

}  // namespace hubrules::runtime
