#pragma once
// spdlog set up for a command-line tool: messages to stderr, level from HUBRULES_LOG
// (trace, debug, info, warn, error, off; default info).
namespace hubrules::runtime {

void setup_logging();

}  // namespace hubrules::runtime
