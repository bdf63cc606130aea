#include "grammar/string_literal.hpp"

namespace hubrules::grammar {

namespace {
void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

char32_t hex4(std::string_view s) {
  char32_t v = 0;
  for (char c : s.substr(0, 4)) v = v * 16 + char32_t(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  return v;
}

char32_t surrogate_pair(char32_t high, char32_t low) { return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00); }
}  // namespace

std::string unescape_string_literal(std::string_view quoted) {
  const std::string_view s = quoted.substr(1, quoted.size() - 2);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    const char e = s[++i];
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        char32_t cp = hex4(s.substr(i + 1));
        i += 4;
        const bool high = cp >= 0xD800 && cp <= 0xDBFF;
        if (high && s.substr(i + 1, 2) == "\\u" && hex4(s.substr(i + 3)) >= 0xDC00 && hex4(s.substr(i + 3)) <= 0xDFFF) {
          cp = surrogate_pair(cp, hex4(s.substr(i + 3)));
          i += 6;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
          cp = 0xFFFD;  // a lone surrogate cannot be written as UTF-8
        }
        append_utf8(out, cp);
        break;
      }
      default: out += e;  // '"', '\\', '/'
    }
  }
  return out;
}

}  // namespace hubrules::grammar
