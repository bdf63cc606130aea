#include "runtime/base/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace hubrules::runtime {

void setup_logging() {
  auto logger = spdlog::stderr_color_mt("hubrules");
  logger->set_pattern("hubrules: %^%l%$: %v");
  const char* level = std::getenv("HUBRULES_LOG");
  logger->set_level(level != nullptr ? spdlog::level::from_str(level) : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace hubrules::runtime
