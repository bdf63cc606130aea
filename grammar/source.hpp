#pragma once
// A rule file's text and the mapping from byte offsets to lines and columns that every
// diagnostic needs.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hubrules::grammar {

// A half-open byte range [begin, end) in a source file.
struct Span {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

struct LineColumn {
  std::uint32_t line = 1;    // 1-based
  std::uint32_t column = 1;  // 1-based, counted in characters (UTF-8 code points)
};

class SourceFile {
 public:
  SourceFile(std::string name, std::string text);

  const std::string& name() const noexcept { return name_; }
  std::string_view text() const noexcept { return text_; }
  std::string_view slice(Span s) const noexcept { return std::string_view(text_).substr(s.begin, s.end - s.begin); }

  LineColumn locate(std::uint32_t offset) const noexcept;
  // The text of a 1-based line, without its line break.
  std::string_view line_text(std::uint32_t line) const noexcept;
  std::uint32_t line_start(std::uint32_t line) const noexcept { return line_starts_[line - 1]; }

 private:
  std::string name_;
  std::string text_;
  std::vector<std::uint32_t> line_starts_;
};

}  // namespace hubrules::grammar
