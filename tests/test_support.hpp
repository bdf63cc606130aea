#pragma once
// Helpers the tests share: compiling rule text, evaluating bookings, running the hubrules binary.
#include <simdjson.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <random>
#include <fstream>
#include <sstream>
#include <string>

#include "engine/compiler.hpp"
#include "engine/diagnostic_format.hpp"
#include "engine/evaluator.hpp"
#include "engine/map_output.hpp"
#include "grammar/source.hpp"

namespace hubrules::testing {

inline std::string source_dir() { return HUBRULES_SOURCE_DIR; }

// What a person's Allow on the sandbox's authorize page posts to POST /oauth/authorize: the
// authorize request's query (no '?'), the account chosen and the decision.
inline std::string sandbox_allow_form(const std::string& authorize_query, long long hub_id = 1234567) {
  return authorize_query + "&portal=" + std::to_string(hub_id) + "&decision=allow";
}

// A whole file's bytes; empty when it cannot be read.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// Compiles rule text; the SourceFile is kept alive with the result.
struct CompiledText {
  std::shared_ptr<grammar::SourceFile> source;
  engine::Compilation compilation;
  std::string rendered() const { return engine::format_diagnostics(*source, compilation.diagnostics); }
};

inline CompiledText compile_text(const std::string& text, const std::string& name = "test.rules") {
  auto src = std::make_shared<grammar::SourceFile>(name, text);
  auto c = engine::compile_rules(*src);
  return {src, std::move(c)};
}

// The map line a booking produces under a plan (without the trailing newline).
inline std::string map_line(const engine::PlanPtr& plan, const std::string& booking, std::size_t line = 1) {
  engine::Evaluator evaluator(plan);
  const simdjson::padded_string padded(booking);
  std::string out;
  engine::append_map_line(out, line, evaluator.evaluate(padded));
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr together
};

// Runs `hubrules ARGS` from the source directory through the shell.
inline CommandResult run_hubrules(const std::string& args) {
  const std::string cmd = "cd '" + source_dir() + "' && '" + std::string(HUBRULES_BINARY) + "' " + args + " 2>&1";
  CommandResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
  const int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("hubrules-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
             std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path file(const std::string& name = "state.db") const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace hubrules::testing
