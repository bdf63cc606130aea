#include "runtime/cli/command_line.hpp"

#include <charconv>

namespace hubrules::runtime {

CommandLine::CommandLine(const std::vector<std::string>& args, std::set<std::string> valued, std::set<std::string> flags) {
  bool only_positionals = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_positionals || a == "-" || a.rfind("--", 0) != 0) {
      positionals_.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positionals = true;
      continue;
    }
    const std::size_t eq = a.find('=');
    const std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (flags.count(name) && eq == std::string::npos) {
      flags_.insert(name);
    } else if (valued.count(name)) {
      if (eq != std::string::npos) values_[name] = a.substr(eq + 1);
      else if (i + 1 < args.size()) values_[name] = args[++i];
      else throw UsageError("--" + name + " needs a value");
    } else {
      throw UsageError("unknown option " + a);
    }
  }
}

std::optional<std::string> CommandLine::value(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

long CommandLine::number(const std::string& name, long fallback, long min, long max) const {
  const auto v = value(name);
  if (!v) return fallback;
  long n = 0;
  const auto r = std::from_chars(v->data(), v->data() + v->size(), n);
  if (r.ec != std::errc{} || r.ptr != v->data() + v->size() || n < min || n > max)
    throw UsageError("--" + name + " must be a number from " + std::to_string(min) + " to " + std::to_string(max));
  return n;
}

}  // namespace hubrules::runtime
