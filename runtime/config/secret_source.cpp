#include "runtime/config/secret_source.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace hubrules::runtime::config {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

std::string describe(std::string_view kind, std::string_view name, std::string_view what) {
  return std::string(kind) + " " + std::string(name) + " (" + std::string(what) + ")";
}

std::vector<std::string> secrets_from_env(const std::string& name, std::string_view what) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) throw SecretError(describe("environment variable", name, what) + " is not set");
  auto secrets = split_secrets(value);
  if (secrets.empty()) throw SecretError(describe("environment variable", name, what) + " is empty");
  return secrets;
}

std::string read_whole_file(const std::string& file, std::string_view what) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw SecretError("cannot read " + describe("file", file, what) + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw SecretError("cannot read " + describe("file", file, what));
  return std::move(text).str();
}

std::vector<std::string> secrets_from_file(const std::string& file, std::string_view what) {
  auto secrets = split_secrets(read_whole_file(file, what));
  if (secrets.empty()) throw SecretError(describe("file", file, what) + " holds no secret (it is empty)");
  if (auto warning = loose_permissions_warning(file, what)) spdlog::warn("{}", *warning);
  return secrets;
}

}  // namespace

std::vector<std::string> split_secrets(std::string_view text) {
  std::vector<std::string> secrets;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const auto line = trimmed(text.substr(0, end));
    if (!line.empty()) secrets.emplace_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return secrets;
}

std::optional<std::string> loose_permissions_warning(const std::filesystem::path& file, std::string_view what) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return std::nullopt;
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) == 0) return std::nullopt;
  return describe("file", file.string(), what) + " may be read by its group or others; make it private: chmod 600 " +
         file.string();
}

std::vector<std::string> read_secrets(const SecretSource& source, std::string_view what) {
  if (!source.env.empty() && !source.file.empty())
    throw SecretError(std::string(what) + ": give the environment variable " + source.env + " or the file " +
                      source.file + ", not both");
  if (!source.env.empty()) return secrets_from_env(source.env, what);
  if (!source.file.empty()) return secrets_from_file(source.file, what);
  throw SecretError(std::string(what) + ": no environment variable or file is named for it");
}

std::string read_secret(const SecretSource& source, std::string_view what) { return read_secrets(source, what).front(); }

}  // namespace hubrules::runtime::config
