#pragma once
// The arguments of one hubrules command: positionals and --options, checked against what the
// command accepts so a typo is a usage error (exit 2), not silently ignored.
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace hubrules::runtime {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class CommandLine {
 public:
  // valued: options taking a value (--threads N or --threads=N); flags: options without.
  CommandLine(const std::vector<std::string>& args, std::set<std::string> valued, std::set<std::string> flags);

  const std::vector<std::string>& positionals() const { return positionals_; }
  bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  std::optional<std::string> value(const std::string& name) const;
  // The option as a number within [min, max]; throws UsageError otherwise.
  long number(const std::string& name, long fallback, long min, long max) const;

 private:
  std::vector<std::string> positionals_;
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
};

}  // namespace hubrules::runtime
