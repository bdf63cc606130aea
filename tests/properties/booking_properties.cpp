// Properties of mapping bookings with rules/timerex.rules: what may and may not be posted for any
// answers, and what `map` writes for any input bytes. Each property is checked against an oracle
// written here from the mapping spec, not against the engine's own helpers.
#include <rapidcheck/catch.h>
#include <simdjson.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include "runtime/mapping/booking_mapper.hpp"
#include "runtime/mapping/ndjson_chunks.hpp"
#include "tests/test_support.hpp"

namespace {

using hubrules::engine::PlanPtr;
using hubrules::testing::map_line;
using hubrules::testing::read_file;

// --- the rules and the free-mail list, read from the source tree

const PlanPtr& timerex_plan() {
  static const PlanPtr plan = [] {
    const auto c = hubrules::testing::compile_text(read_file(hubrules::testing::source_dir() + "/rules/timerex.rules"),
                                                   "timerex.rules");
    INFO(c.rendered());
    REQUIRE(c.compilation.plan != nullptr);
    return c.compilation.plan;
  }();
  return plan;
}

const std::vector<std::string>& free_mail_list() {
  static const std::vector<std::string> list = [] {
    std::vector<std::string> out;
    std::istringstream in(read_file(hubrules::testing::source_dir() + "/rules/free-email-domains.txt"));
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line[0] != '#') out.push_back(line);
    return out;
  }();
  return list;
}

bool is_free_mail(const std::string& lower_domain) {
  static const std::unordered_set<std::string> set(free_mail_list().begin(), free_mail_list().end());
  return set.count(lower_domain) > 0;
}

// --- oracles from the spec

const std::string ideo = "\xE3\x80\x80";  // U+3000

bool ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

std::string spec_trim(std::string s) {
  for (;;) {
    if (!s.empty() && ascii_space(s.front())) s.erase(0, 1);
    else if (s.rfind(ideo, 0) == 0) s.erase(0, 3);
    else break;
  }
  for (;;) {
    if (!s.empty() && ascii_space(s.back())) s.pop_back();
    else if (s.size() >= 3 && s.compare(s.size() - 3, 3, ideo) == 0) s.resize(s.size() - 3);
    else break;
  }
  return s;
}

std::string ascii_lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}

// ASCII, no whitespace, exactly one "@", a non-empty local part, a domain with a dot and no empty label.
bool spec_valid_email(const std::string& s) {
  std::size_t at = std::string::npos, ats = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80 || c <= 0x20 || c == 0x7F) return false;
    if (c == '@') ++ats, at = i;
  }
  if (ats != 1 || at == 0) return false;
  const std::string domain = s.substr(at + 1);
  if (domain.find('.') == std::string::npos) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = domain.find('.', start);
    const std::size_t end = dot == std::string::npos ? domain.size() : dot;
    if (end == start) return false;  // an empty label
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

// Code points of valid UTF-8.
std::vector<char32_t> code_points(const std::string& s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const int len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? b : b & (0xFF >> (len + 1));
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

bool spec_has_cjk(const std::string& s) {
  for (char32_t cp : code_points(s))
    if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3040 && cp <= 0x309F) || (cp >= 0x30A0 && cp <= 0x30FF)) return true;
  return false;
}

// Full-width digits become ASCII, "," and "，" are removed, then a plain integer or decimal; written
// without leading zeros or trailing fractional zeros. nullopt when it is no number.
std::optional<std::string> spec_number(const std::string& answer) {
  std::string s;
  for (std::size_t i = 0; i < answer.size();) {
    if (answer.compare(i, 3, "\xEF\xBC\x8C") == 0) {  // ，
      i += 3;
    } else if (answer.compare(i, 2, "\xEF\xBC") == 0 && i + 2 < answer.size() &&
               static_cast<unsigned char>(answer[i + 2]) >= 0x90 && static_cast<unsigned char>(answer[i + 2]) <= 0x99) {
      s += char('0' + (static_cast<unsigned char>(answer[i + 2]) - 0x90));
      i += 3;
    } else {
      if (answer[i] != ',') s += answer[i];
      ++i;
    }
  }
  const std::size_t dot = s.find('.');
  const std::string int_part = s.substr(0, dot), frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  const auto digits = [](const std::string& d) { return !d.empty() && d.find_first_not_of("0123456789") == std::string::npos; };
  if (!digits(int_part) || (dot != std::string::npos && !digits(frac))) return std::nullopt;
  std::string i = int_part.substr(std::min(int_part.find_first_not_of('0'), int_part.size() - 1));
  std::string f = frac.substr(0, frac.find_last_not_of('0') == std::string::npos ? 0 : frac.find_last_not_of('0') + 1);
  return f.empty() ? i : i + "." + f;
}

// --- building bookings

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

struct Question {
  std::string field_type;
  std::string label;
  std::string value_json;
};

std::string booking_json(const std::vector<Question>& form, const std::string& id = "\"prop-1\"",
                         const std::string& webhook = "event_confirmed") {
  std::string out = R"({"webhook_type":")" + webhook +
                    R"(","calendar_url_path":"215aa110","calendar_name":"sample","event":{"id":)" + id +
                    R"(,"status":1,"duration":60,"hosts":[{"name":"Mixtend Demo","email":"demo@mixtend.com"}],"form":[)";
  for (std::size_t i = 0; i < form.size(); ++i) {
    if (i) out += ',';
    out += R"({"field_type":)" + json_string(form[i].field_type) + R"(,"required":false,"label":)" + json_string(form[i].label) +
           R"(,"value":)" + form[i].value_json + "}";
  }
  return out + R"(],"url_params":[{"utm_source":"example"}]}})";
}

// --- reading map output

struct MapLine {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  explicit MapLine(const std::string& line) {
    const auto err = parser.parse(line).get(root);
    RC_ASSERT(err == simdjson::SUCCESS);
  }
  // A posted property's JSON, or nullopt.
  std::optional<simdjson::dom::element> property(const char* object, const char* name) {
    simdjson::dom::element e;
    if (root[object]["properties"][name].get(e) != simdjson::SUCCESS) return std::nullopt;
    return e;
  }
  std::optional<std::string> text(const char* object, const char* name) {
    auto e = property(object, name);
    if (!e) return std::nullopt;
    std::string_view s;
    RC_ASSERT(e->get(s) == simdjson::SUCCESS);
    return std::string(s);
  }
  bool present(const char* object) {
    simdjson::dom::element e;
    return root[object].get(e) == simdjson::SUCCESS && !e.is_null();
  }
};

// --- generators

rc::Gen<std::string> gen_from(const std::vector<std::string>& pieces, std::size_t min, std::size_t max) {
  return rc::gen::mapcat(rc::gen::inRange(min, max + 1), [pieces](std::size_t n) {
    return rc::gen::map(rc::gen::container<std::vector<std::string>>(n, rc::gen::elementOf(pieces)), [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& p : v) s += p;
      return s;
    });
  });
}

rc::Gen<std::string> gen_label() { return gen_from({"a", "b", "k", "x", "z", "0", "7", "-", "mix", "tend"}, 1, 6); }

rc::Gen<std::string> gen_company_domain() {
  return rc::gen::mapcat(rc::gen::inRange(1, 4), [](int labels) {
    return rc::gen::map(rc::gen::pair(rc::gen::container<std::vector<std::string>>(static_cast<std::size_t>(labels), gen_label()),
                                      rc::gen::elementOf(std::vector<std::string>{"com", "jp", "co.jp", "ne.jp", "net", "io", "example"})),
                        [](const std::pair<std::vector<std::string>, std::string>& p) {
                          std::string d;
                          for (const auto& l : p.first) d += l + ".";
                          return d + p.second;
                        });
  });
}

rc::Gen<std::string> gen_local_part() { return gen_from({"a", "T", "taro", ".", "_", "+", "-", "9", "Guest", "x"}, 1, 5); }

std::string random_case(const std::string& s) {
  const auto flips = *rc::gen::container<std::vector<bool>>(s.size(), rc::gen::arbitrary<bool>());
  std::string out = s;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (flips[i] && s[i] >= 'a' && s[i] <= 'z') out[i] = char(s[i] - 'a' + 'A');
  return out;
}

// Text a guest might type, and worse: blanks of every kind, full-width forms, CJK, emoji, controls.
const std::vector<std::string> weird_pieces = {
    "a", "Z", "Mixtend", "0", "7", "１", "９", ",", "，", ".", "-", ";", "@", "＠", "山田", "たろう", "タロウ", "김", "é", "😀",
    " ", "  ", "\t", "\n", "\r", "\v", "\f", ideo, ideo + ideo, "\xC2\xA0", "\xE2\x80\x83", "\xE2\x80\x8B", "\xEF\xBB\xBF",
    "\x01", "\x1F", "\x7F", "\"", "\\", "/", "\xE2\x80\xA8", "Ａ", "名", "約"};

rc::Gen<std::string> gen_weird_text() { return gen_from(weird_pieces, 0, 8); }

// A form value: text, a multiple choice, null, or a number.
rc::Gen<std::string> gen_weird_value() {
  return rc::gen::weightedOneOf<std::string>({
      {6, rc::gen::map(gen_weird_text(), json_string)},
      {2, rc::gen::map(rc::gen::container<std::vector<std::string>>(gen_weird_text()),
                       [](const std::vector<std::string>& parts) {
                         std::string out = "[";
                         for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + json_string(parts[i]);
                         return out + "]";
                       })},
      {1, rc::gen::just(std::string("null"))},
      {1, rc::gen::map(rc::gen::inRange(0, 100000), [](int n) { return std::to_string(n); })},
  });
}

std::string map_timerex(const std::string& booking) { return map_line(timerex_plan(), booking); }

}  // namespace

TEST_CASE("a free-mail domain never becomes a company domain", "[property]") {
  REQUIRE(free_mail_list().size() > 14000);
  rc::prop("emails at bundled free-mail domains and at other domains, in any case", [] {
    const bool listed = *rc::gen::arbitrary<bool>();
    const std::string domain = listed ? *rc::gen::elementOf(free_mail_list()) : *gen_company_domain();
    const std::string email = *gen_local_part() + "@" + random_case(domain);
    RC_TAG(listed ? "bundled domain" : "other domain");
    std::vector<Question> form = {{"guest_email", "メールアドレス", json_string(email)}};
    if (*rc::gen::arbitrary<bool>()) form.push_back({"company_name", "会社名", json_string("株式会社ミクステンド")});
    MapLine out(map_timerex(booking_json(form)));
    const auto posted = out.text("companies", "domain");
    if (is_free_mail(ascii_lower(domain))) {
      RC_ASSERT(!posted.has_value());
    } else {
      RC_ASSERT(posted == std::optional<std::string>(ascii_lower(domain)));
    }
    if (posted) RC_ASSERT(!is_free_mail(*posted));
  });
}

TEST_CASE("the domain posted is the lowercase text after the @ of a valid email", "[property]") {
  rc::prop("any email answer", [] {
    const std::string raw = *rc::gen::weightedOneOf<std::string>({
        {2, rc::gen::map(rc::gen::pair(gen_local_part(), gen_company_domain()),
                         [](const std::pair<std::string, std::string>& p) { return p.first + "@" + p.second; })},
        {3, gen_from({"a", "B", "@", "@", ".", ".", "..", "-", "x", "co", "jp", " ", ideo, "＠", "\t", "é", "\x7F", "\"", "Ａ", "_"}, 0, 10)},
    });
    const std::string email = random_case(raw);
    MapLine out(map_timerex(booking_json({{"guest_email", "メールアドレス", json_string(email)}})));
    const std::string trimmed = spec_trim(email);
    const bool valid = spec_valid_email(trimmed);
    RC_CLASSIFY(valid, "valid");
    RC_ASSERT(out.text("contacts", "email") == (valid ? std::optional<std::string>(ascii_lower(trimmed)) : std::nullopt));
    const auto domain = out.text("companies", "domain");
    if (!valid) {
      RC_ASSERT(!domain.has_value());
      RC_ASSERT(!out.present("companies"));
      return;
    }
    const std::string expected = ascii_lower(trimmed.substr(trimmed.find('@') + 1));
    RC_ASSERT(domain == (is_free_mail(expected) ? std::nullopt : std::optional<std::string>(expected)));
    RC_ASSERT(out.present("companies") == domain.has_value());
  });
}

TEST_CASE("no property is ever posted empty or blank", "[property]") {
  rc::prop("arbitrary answers to every question", [] {
    std::vector<Question> form = {
        {"company_name", "会社名", *gen_weird_value()}, {"guest_name", "名前", *gen_weird_value()},
        {"guest_email", "メールアドレス", *rc::gen::elementOf(std::vector<std::string>{R"(" Guest@Mixtend.co.jp ")", R"("taro@gmail.com")", *gen_weird_value()})},
        {"guest_phone", "電話番号", *gen_weird_value()}, {"custom_text", "役職", *gen_weird_value()},
        {"custom_text", "従業員数", *gen_weird_value()}};
    const std::string line = map_timerex(booking_json(form));
    MapLine out(line);
    RC_ASSERT(out.root["line"].get_uint64().value_unsafe() == 1u);
    for (const char* object : {"contacts", "companies"}) {
      simdjson::dom::object props;
      if (out.root[object]["properties"].get(props) != simdjson::SUCCESS) continue;
      RC_ASSERT(props.size() > 0u);
      for (auto [name, value] : props) {
        std::string_view s;
        if (value.get(s) == simdjson::SUCCESS) {
          RC_LOG() << object << "." << name << " = [" << s << "]\n";
          RC_ASSERT(!s.empty());
          RC_ASSERT(!spec_trim(std::string(s)).empty());
          RC_ASSERT(spec_trim(std::string(s)) == s);  // posted trimmed
        } else {
          RC_ASSERT(value.is_number());
          RC_ASSERT(name == std::string_view("numberofemployees"));
        }
      }
    }
  });
}

TEST_CASE("numberofemployees is the 従業員数 answer as a plain number, or omitted", "[property]") {
  rc::prop("answers made of digits, full-width digits, commas, dots and noise", [] {
    const std::string answer = *rc::gen::oneOf(
        gen_from({"0", "1", "5", "9", "０", "５", "９", ",", "，", "."}, 1, 8),
        gen_from({"0", "1", "５", ",", "，", ".", "名", "約", "-", "+", "e", " ", ideo, "．"}, 0, 6));
    const std::string line = map_timerex(booking_json({{"company_name", "会社名", R"("ミクステンド")"},
                                                       {"custom_text", "従業員数", json_string(answer)}}));
    MapLine out(line);
    const auto expected = spec_number(spec_trim(answer));
    RC_CLASSIFY(expected.has_value(), "a number");
    const auto posted = out.property("companies", "numberofemployees");
    RC_ASSERT(posted.has_value() == expected.has_value());
    if (!posted) return;
    RC_ASSERT(posted->is_number());
    // The number exactly as written on the line, digit for digit.
    const std::string key = R"("numberofemployees":)";
    const std::size_t at = line.find(key) + key.size();
    RC_ASSERT(line.substr(at, line.find_first_of(",}", at) - at) == *expected);
  });
}

TEST_CASE("name splitting keeps every token: given and family name rejoin to the collapsed name", "[property]") {
  const std::vector<std::string> letters = {"a", "Mary", "Ann", "O'", "-", ".", "é", "Ａ", "山", "田", "太郎", "や", "ま", "ア", "ン",
                                            "ー", "김", "😀", "1"};
  rc::prop("tokens of Latin, CJK and other letters separated by spaces and U+3000", [&] {
    const auto tokens = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(gen_from(letters, 1, 4)));
    const auto blank = gen_from({" ", ideo}, 1, 3);
    std::string name = *rc::gen::arbitrary<bool>() ? *blank : "";
    std::string collapsed;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (i) name += *blank, collapsed += " ";
      name += tokens[i];
      collapsed += tokens[i];
    }
    if (*rc::gen::arbitrary<bool>()) name += *blank;
    MapLine out(map_timerex(booking_json({{"guest_name", "名前", json_string(name)},
                                          {"guest_email", "メールアドレス", R"("guest@mixtend.com")"}})));
    const auto given = out.text("contacts", "firstname");
    const auto family = out.text("contacts", "lastname");
    RC_ASSERT(family.has_value());
    RC_ASSERT(given.has_value() == (tokens.size() > 1));
    const bool cjk = spec_has_cjk(collapsed);
    RC_CLASSIFY(cjk, "CJK");
    const std::string rejoined = !given ? *family : cjk ? *family + " " + *given : *given + " " + *family;
    RC_ASSERT(rejoined == collapsed);
    if (tokens.size() > 1) RC_ASSERT(*family == (cjk ? tokens.front() : tokens.back()));
  });
}

// --- `map` on whole streams

namespace {

struct TempFile {
  FILE* f = std::tmpfile();
  ~TempFile() {
    if (f) std::fclose(f);
  }
  int fd() const { return fileno(f); }
};

// Runs map_bookings from one temporary file to another; throws when a file cannot be used.
std::string run_map(const std::string& input, unsigned threads) {
  TempFile in, out;
  if (in.f == nullptr || out.f == nullptr) throw std::runtime_error("no temporary file");
  hubrules::runtime::write_all(in.fd(), input.data(), input.size());
  if (::lseek(in.fd(), 0, SEEK_SET) != 0) throw std::runtime_error("lseek");
  hubrules::runtime::map_bookings(timerex_plan(), in.fd(), out.fd(), threads);
  if (::lseek(out.fd(), 0, SEEK_SET) != 0) throw std::runtime_error("lseek");
  std::string result;
  char buf[65536];
  for (ssize_t n; (n = ::read(out.fd(), buf, sizeof buf)) > 0;) result.append(buf, static_cast<std::size_t>(n));
  return result;
}

std::size_t line_count(const std::string& input) {
  std::size_t n = static_cast<std::size_t>(std::count(input.begin(), input.end(), '\n'));
  return n + (!input.empty() && input.back() != '\n' ? 1 : 0);
}

// One line of input: a booking (whole, truncated, or with odd escapes), garbage or random bytes.
rc::Gen<std::string> gen_input_line() {
  const auto email = rc::gen::weightedOneOf<std::string>({
      {2, rc::gen::elementOf(std::vector<std::string>{R"("guest@mixtend.com")", R"(" Taro@Example.CO.JP ")", R"("hanako@docomo.ne.jp")",
                                                      R"(["a@b.jp"])", R"("guest＠mixtend.com")"})},
      {1, gen_weird_value()}});
  const auto booking = rc::gen::map(rc::gen::pair(email, gen_weird_value()), [](const std::pair<std::string, std::string>& v) {
    return booking_json({{"guest_email", "メールアドレス", v.first}, {"company_name", "会社名", v.second},
                         {"guest_name", "名前", R"("山田　太郎")"}, {"custom_text", "従業員数", R"("1,000")"}});
  });
  return rc::gen::weightedOneOf<std::string>({
      {4, booking},
      {2, rc::gen::mapcat(booking, [](const std::string& b) {
         return rc::gen::map(rc::gen::inRange<std::size_t>(0, b.size()), [b](std::size_t n) { return b.substr(0, n); });
       })},
      {1, rc::gen::just(booking_json({{"guest_email", "e", R"("guest@mixtend.com")"}}, "null", "event_cancelled"))},
      {1, rc::gen::just(booking_json({{"guest_email", "e", R"("a\ud800b")"}}))},
      {1, rc::gen::just(booking_json({{"guest_email", "e", R"("\ud83d\ude00@x.jp")"}}, "12.50"))},
      {1, rc::gen::elementOf(std::vector<std::string>{"", " ", "not json", "{", "}", "[]", "null", "{} x", "{}{}",
                                                      R"({"event":{"form":{}}})", R"({"event":{"id":{"x":1}}})", "\xEF\xBB\xBF{}",
                                                      std::string("{\0}", 3)})},
      {3, rc::gen::container<std::string>(rc::gen::arbitrary<char>())},
  });
}

rc::Gen<std::string> gen_input() {
  return rc::gen::map(rc::gen::pair(rc::gen::container<std::vector<std::pair<std::string, int>>>(
                                        rc::gen::pair(gen_input_line(), rc::gen::inRange(0, 4))),
                                    rc::gen::arbitrary<bool>()),
                      [](const std::pair<std::vector<std::pair<std::string, int>>, bool>& p) {
                        std::string s;
                        for (const auto& [line, end] : p.first) s += line + (end == 0 ? "\r\n" : "\n");
                        if (p.second && !s.empty()) s.pop_back();  // the last line without its newline
                        return s;
                      });
}

// What is wrong with map's output for the input, or "" when nothing is: one JSON line per input
// line, numbered 1..N in order, each with a booking id and exactly one outcome.
std::string map_output_problem(const std::string& input, const std::string& output) {
  const std::size_t expected = line_count(input);
  const auto newlines = static_cast<std::size_t>(std::count(output.begin(), output.end(), '\n'));
  if (newlines != expected) return std::to_string(newlines) + " output lines for " + std::to_string(expected) + " input lines";
  if (!output.empty() && output.back() != '\n') return "the output does not end with a newline";
  simdjson::dom::parser parser;
  std::size_t n = 0;
  for (std::size_t at = 0; at < output.size();) {
    const std::size_t nl = output.find('\n', at);
    const std::string line = output.substr(at, nl - at);
    at = nl + 1;
    const std::string where = "output line " + std::to_string(++n) + ": " + line.substr(0, 300);
    simdjson::dom::element e;
    if (const auto err = parser.parse(line).get(e)) return where + ": " + simdjson::error_message(err);
    std::uint64_t number = 0;
    if (e["line"].get(number) != simdjson::SUCCESS || number != n) return where + ": wrong \"line\"";
    simdjson::dom::element id;
    if (e["booking"].get(id) != simdjson::SUCCESS || !(id.is_null() || id.is_string())) return where + ": bad \"booking\"";
    simdjson::dom::element x;
    const bool records = e["associate"].get(x) == simdjson::SUCCESS;
    const bool skipped = e["skipped"].get(x) == simdjson::SUCCESS;
    const bool error = e["error"]["code"].get(x) == simdjson::SUCCESS;
    if (int(records) + int(skipped) + int(error) != 1) return where + ": not exactly one outcome";
    std::string_view code;
    if (error && (x.get(code) != simdjson::SUCCESS || (code != "R001" && code != "R002"))) return where + ": bad error code";
  }
  return n == expected ? "" : "line count";
}

void check_map_output(const std::string& input, const std::string& output) {
  const std::string problem = map_output_problem(input, output);
  RC_LOG() << problem << "\n";
  RC_ASSERT(problem.empty());
  RC_CLASSIFY(output.find(R"("contacts":{)") != std::string::npos, "a contact posted");
  RC_CLASSIFY(output.find(R"("skipped":)") != std::string::npos, "a booking skipped");
  RC_CLASSIFY(output.find(R"("code":"R001")") != std::string::npos, "R001");
  RC_CLASSIFY(output.find(R"("code":"R002")") != std::string::npos, "R002");
  RC_CLASSIFY(!input.empty() && input.back() != '\n', "last line without newline");
  RC_CLASSIFY(input.find('\0') != std::string::npos, "NUL bytes");
}

}  // namespace

TEST_CASE("map writes one valid JSON line per input line, numbered in order, whatever the bytes", "[property]") {
  rc::prop("1 thread", [] {
    const std::string input = *gen_input();
    check_map_output(input, run_map(input, 1));
  });
  rc::prop("3 threads", [] {
    const std::string input = *gen_input();
    check_map_output(input, run_map(input, 3));
  });
}

TEST_CASE("map output does not depend on the number of threads", "[property]") {
  rc::prop("--threads 1 and --threads 2 write the same bytes", [] {
    const std::string input = *gen_input();
    RC_ASSERT(run_map(input, 1) == run_map(input, 2));
  });
}

TEST_CASE("NDJSON chunks hand out every byte once, in whole lines, with padding after them", "[property]") {
  rc::prop("any input, chunks of 1 to 64 bytes (lines longer than a chunk grow the buffer)", [] {
    const std::string input = *gen_input();
    const auto chunk_bytes = *rc::gen::inRange<std::size_t>(1, 65);
    TempFile in;
    hubrules::runtime::write_all(in.fd(), input.data(), input.size());
    RC_ASSERT(::lseek(in.fd(), 0, SEEK_SET) == 0);
    hubrules::runtime::NdjsonChunks chunks(in.fd(), "input", chunk_bytes);
    std::string joined;
    std::size_t lines = 0, count = 0;
    bool ended = false;  // a chunk without a final newline must be the last
    while (const auto c = chunks.next()) {
      RC_ASSERT(!ended);
      RC_ASSERT(c->begin < c->end);
      RC_ASSERT(c->readable >= c->end + simdjson::SIMDJSON_PADDING);
      const std::string part(c->begin, c->end);
      ended = part.back() != '\n';
      joined += part;
      lines += hubrules::runtime::for_each_line(c->begin, c->end, lines + 1, [](std::size_t, const char*, std::size_t) {});
      ++count;
    }
    RC_ASSERT(joined == input);
    RC_ASSERT(lines == line_count(input));
    RC_ASSERT(chunks.bytes_read() == input.size());
    RC_CLASSIFY(count > 1, "several chunks");
  });
}

TEST_CASE("map over many chunks: every line answered, the same bytes with 1, 2 and 3 threads", "[property]") {
  // Several megabytes, so that the input spans many of map's 1 MiB chunks: bookings, cancelled and
  // truncated ones, garbage, random bytes, CRLF and empty lines, and one line longer than a chunk.
  std::mt19937 random(20240410);
  const std::string booking = booking_json({{"company_name", "会社名", R"("\u3000株式会社ミクステンド ")"},
                                            {"guest_name", "名前", R"("山田　太郎")"},
                                            {"guest_email", "メールアドレス", R"(" Taro@Mixtend.co.jp ")"},
                                            {"custom_text", "従業員数", R"("１，２００")"}});
  const std::string cancelled = booking_json({{"guest_email", "e", R"("a@b.jp")"}}, "7", "event_cancelled");
  std::string input;
  for (std::size_t i = 0; input.size() < (6u << 20); ++i) {
    switch (random() % 8) {
      case 0: case 1: case 2: input += booking; break;
      case 3: input += cancelled; break;
      case 4: input += booking.substr(0, random() % booking.size()); break;
      case 5: for (unsigned k = random() % 200; k > 0; --k) input += static_cast<char>(random()); break;
      case 6: input += R"({"event":{"form":{}}})"; break;
      case 7: break;  // an empty line
    }
    input += random() % 5 == 0 ? "\r\n" : "\n";
    if (i == 3000) input += R"({"webhook_type":"event_confirmed","event":{"id":"long","form":[{"field_type":"guest_comment","label":"c","value":")" +
                            std::string(3u << 19, 'x') + R"("},{"field_type":"guest_email","label":"e","value":"long@mixtend.co.jp"}]}})" + "\n";
  }
  input += booking;  // the last line without a newline
  REQUIRE(input.size() > (6u << 20));
  REQUIRE(line_count(input) > 10000);
  const std::string one = run_map(input, 1);
  CHECK(map_output_problem(input, one).empty());
  CHECK(one.find(R"(,"booking":"long","contacts":{"properties":{"email":"long@mixtend.co.jp"}})") != std::string::npos);
  const bool same_with_2 = run_map(input, 2) == one;
  const bool same_with_3 = run_map(input, 3) == one;
  CHECK(same_with_2);
  CHECK(same_with_3);
}
