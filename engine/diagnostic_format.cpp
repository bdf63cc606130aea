#include "engine/diagnostic_format.hpp"

#include <algorithm>

#include "engine/text/display_width.hpp"

namespace hubrules::engine {

namespace {
// Characters that line the caret up under line[0, upto): tabs stay tabs, the rest spaces.
std::string padding(std::string_view line, std::size_t upto, char fill) {
  std::string out;
  for (std::size_t i = 0; i < upto && i < line.size();) {
    if (line[i] == '\t') {
      out += fill == ' ' ? '\t' : fill;
      ++i;
      continue;
    }
    out.append(static_cast<std::size_t>(text::code_point_width(text::decode_utf8(line, i))), fill);
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
