#include "engine/diagnostic_format.hpp"

#include <algorithm>

namespace hubrules::engine {

namespace {
char32_t decode(std::string_view s, std::size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  const int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : 4;
  char32_t cp = len == 1 ? b : b & (0x3F >> (len - 1));
  for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += len;
  return cp;
}

// Terminal columns of a code point: East Asian wide characters take two.
int display_width(char32_t cp) {
  const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
                    (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                    (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) || (cp >= 0x20000 && cp <= 0x3FFFD);
  return wide ? 2 : 1;
}

// Characters that line the caret up under line[0, upto): tabs stay tabs, the rest spaces.
std::string padding(std::string_view line, std::size_t upto, char fill) {
  std::string out;
  for (std::size_t i = 0; i < upto && i < line.size();) {
    if (line[i] == '\t') {
      out += fill == ' ' ? '\t' : fill;
      ++i;
      continue;
    }
    out.append(display_width(decode(line, i)), fill);
  }
  return out;
}
}  // namespace

std::string format_diagnostic(const grammar::SourceFile& src, const grammar::Diagnostic& d) {
  const grammar::LineColumn at = src.locate(d.span.begin);
  std::string out = src.name() + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " +
                    (d.severity == grammar::Severity::error ? "error[" : "warning[") + d.code + "]: " + d.message + "\n";
  const std::string number = std::to_string(at.line);
  const std::string gutter(number.size() + 1, ' ');
  const std::string_view line = src.line_text(at.line);
  const std::size_t start = d.span.begin - src.line_start(at.line);
  const std::size_t end = std::min<std::size_t>(d.span.end - src.line_start(at.line), line.size());
  const std::string carets = end > start ? padding(line.substr(start), end - start, '^') : "^";
  out += " " + number + " | " + std::string(line) + "\n";
  out += gutter + " | " + padding(line, start, ' ') + carets + "\n";
  if (!d.help.empty()) out += gutter + " = help: " + d.help + "\n";
  return out;
}

std::string format_diagnostics(const grammar::SourceFile& src, const grammar::Diagnostics& ds) {
  std::string out;
  for (const auto& d : ds) out += format_diagnostic(src, d);
  return out;
}

}  // namespace hubrules::engine
