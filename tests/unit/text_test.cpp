// The string routines of engine/text/: trimming, email validity, decimal normalisation, name
// splitting, ASCII case, JSON escaping and the free-mail list.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "engine/text/display_width.hpp"
#include "engine/text/ascii_case.hpp"
#include "engine/text/decimal.hpp"
#include "engine/text/email.hpp"
#include "engine/text/free_mail_domains.hpp"
#include "engine/text/json_writer.hpp"
#include "engine/text/person_name.hpp"
#include "engine/text/whitespace.hpp"

using namespace hubrules::text;

namespace {

const std::string ideo = "\xE3\x80\x80";  // U+3000 IDEOGRAPHIC SPACE

std::string decimal(std::string_view s) {
  std::string out(s.size(), '\0');
  return std::string(normalize_decimal(s, out.data()));
}

std::string collapse(std::string_view s) {
  std::string out(s.size(), '\0');
  return std::string(collapse_name_spaces(s, out.data()));
}

std::pair<std::string, std::string> split(std::string_view name) {
  const std::string collapsed = collapse(name);
  const PersonName p = split_collapsed_name(collapsed);
  return {std::string(p.given), std::string(p.family)};
}

std::string json(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s.size(), '\0');
  return std::string(lower_ascii(s, out.data()));
}

}  // namespace

TEST_CASE("trim removes ASCII whitespace and U+3000 at both ends only", "[text]") {
  CHECK(trim("  Mixtend\t") == "Mixtend");
  CHECK(trim(ideo + "株式会社ミクステンド" + ideo) == "株式会社ミクステンド");
  CHECK(trim(" \t\n\v\f\r" + ideo + "a" + ideo + "\r\n") == "a");
  CHECK(trim("a b" + ideo + "c") == "a b" + ideo + "c");  // inner blanks stay
  CHECK(trim("") == "");
  CHECK(trim("   ") == "");
  CHECK(trim(ideo + ideo) == "");
  CHECK(trim(ideo + " " + ideo) == "");
}

TEST_CASE("trim leaves other Unicode spaces and broken sequences alone", "[text]") {
  CHECK(trim("\xC2\xA0" "a\xC2\xA0") == "\xC2\xA0" "a\xC2\xA0");  // U+00A0 is not trimmed
  CHECK(trim("\xE2\x80\x83" "a") == "\xE2\x80\x83" "a");              // nor U+2003
  CHECK(trim("a\xE3\x80") == "a\xE3\x80");                            // half a U+3000
  CHECK(trim("\x80\x80 a") == "\x80\x80 a");
  CHECK(trim("\xE3\x80\x81" "a") == "\xE3\x80\x81" "a");              // U+3001 (、) is not a blank
}

TEST_CASE("is_blank and blank_at", "[text]") {
  CHECK(is_blank(""));
  CHECK(is_blank(" \t" + ideo));
  CHECK_FALSE(is_blank(" x "));
  CHECK(blank_at(" a", 0) == 1);
  CHECK(blank_at(ideo + "a", 0) == 3);
  CHECK(blank_at("a" + ideo, 0) == 0);
  CHECK(blank_at("\xE3\x80", 0) == 0);  // truncated sequence at the end
}

TEST_CASE("a valid email: ASCII, no whitespace, one @, a local part, a dotted domain", "[text][email]") {
  for (const char* ok : {"guest@mixtend.com", "a@b.c", "t.kitano+crm@mixtend.co.jp", "A@B.CO", "a.@b.c",
                         "\"quoted\"@example.jp", "a@-.c", "a@b.c.d.e", "x_y-z@sub-domain.example"}) {
    INFO(ok);
    CHECK(is_valid_email(ok));
  }
}

TEST_CASE("invalid emails", "[text][email]") {
  const std::vector<std::string> bad = {
      "",
      "@mixtend.com",                   // empty local part
      "guest@",                          // no domain
      "guest@localhost",                 // no dot
      "guest@.mixtend.com",              // empty first label
      "guest@mixtend.com.",              // empty last label
      "guest@mixtend..com",              // empty middle label
      "guest@.",                         //
      "a@b@mixtend.com",                 // two @
      "guest mixtend.com",               // no @
      "ge st@mixtend.com",               // space
      "guest@mixtend.com ",              // trailing space (valid_email() trims before asking)
      "guest@mix\ttend.com",             // tab
      "guest\n@mixtend.com",             // newline
      std::string("gu\0est@mixtend.com", 18),  // NUL
      "guest@mixtend.com\x7f",           // DEL
      "guest\xEF\xBC\xA0mixtend.com",   // full-width ＠
      "guest@mixtend\xEF\xBC\x8E" "com", // full-width ．
      "\xEF\xBD\x87uest@mixtend.com",   // full-width ｇ
      "山田@mixtend.co.jp",              // non-ASCII local part
      "guest@ミクステンド.jp",           // non-ASCII domain
      "guest" + ideo + "@mixtend.com",
  };
  for (const auto& s : bad) {
    INFO(s);
    CHECK_FALSE(is_valid_email(s));
    CHECK(email_domain(s).empty());
  }
}

TEST_CASE("email_domain is the text after the @ of a valid email, case kept", "[text][email]") {
  CHECK(email_domain("Guest@Mixtend.CO.JP") == "Mixtend.CO.JP");
  CHECK(email_domain("a@b.c") == "b.c");
  CHECK(email_domain("not an email").empty());
}

TEST_CASE("decimal normalisation: integers", "[text][decimal]") {
  CHECK(decimal("0") == "0");
  CHECK(decimal("000") == "0");
  CHECK(decimal("7") == "7");
  CHECK(decimal("0042") == "42");
  CHECK(decimal("100") == "100");  // zeros of an integer are significant
  CHECK(decimal("1,000") == "1000");
  CHECK(decimal("1,000,000") == "1000000");
  CHECK(decimal("12,34") == "1234");  // "," is removed wherever it stands
  CHECK(decimal("123456789012345678901234567890") == "123456789012345678901234567890");  // exact
}

TEST_CASE("decimal normalisation: fractions", "[text][decimal]") {
  CHECK(decimal("00.00") == "0");
  CHECK(decimal("0.0") == "0");
  CHECK(decimal("0.5") == "0.5");
  CHECK(decimal("0012.50") == "12.5");
  CHECK(decimal("100.0") == "100");
  CHECK(decimal("1,234.500") == "1234.5");
  CHECK(decimal("3.14159") == "3.14159");
}

TEST_CASE("decimal normalisation: full-width digits and comma", "[text][decimal]") {
  CHECK(decimal("５０") == "50");
  CHECK(decimal("１，２００") == "1200");
  CHECK(decimal("１,０００") == "1000");
  CHECK(decimal("1，000") == "1000");
  CHECK(decimal("０") == "0");
  CHECK(decimal("９９") == "99");
}

TEST_CASE("decimal normalisation refuses anything but a plain number", "[text][decimal]") {
  for (const char* bad : {"", "1.", ".5", "1..2", "1.2.3", ".", ",", ",,,", "，", "-5", "+5", "1e3", "1E3", " 5", "5 ",
                          "30名", "約100", "１０人", "0x10", "1/2", "五十", "NaN", "abc",
                          "５．５",           // full-width full stop U+FF0E is not a decimal point
                          "\xEF\xBC\xA1",     // full-width Ａ
                          "\xEF\xBC",         // truncated full-width sequence
                          "1\xEF\xBC"}) {
    INFO(bad);
    CHECK(decimal(bad).empty());
  }
}

TEST_CASE("is_json_number accepts JSON number literals only", "[text][decimal]") {
  for (const char* ok : {"0", "-0", "7", "-12", "1.5", "0.25", "1e5", "1E+5", "2.5e-3", "123456789012345678901234567890"}) {
    INFO(ok);
    CHECK(is_json_number(ok));
  }
  for (const char* bad : {"", "-", "01", "1.", ".5", "+1", "1e", "1e+", "--1", "1 ", "0x1", "NaN", "1,000"}) {
    INFO(bad);
    CHECK_FALSE(is_json_number(bad));
  }
}

TEST_CASE("collapse_name_spaces: U+3000 is a space, runs collapse, ends trimmed", "[text][name]") {
  CHECK(collapse("山田" + ideo + "太郎") == "山田 太郎");
  CHECK(collapse("  Mary   Ann  Smith ") == "Mary Ann Smith");
  CHECK(collapse(ideo + "山田" + ideo + ideo + " 太郎" + ideo) == "山田 太郎");
  CHECK(collapse("a\t\nb") == "a b");
  CHECK(collapse("Madonna") == "Madonna");
  CHECK(collapse("") == "");
  CHECK(collapse(ideo + " " + ideo) == "");
  CHECK(collapse("a\xE3\x80") == "a\xE3\x80");  // half a U+3000 is kept as it is
}

TEST_CASE("has_cjk: Han U+4E00-U+9FFF, Hiragana and Katakana", "[text][name]") {
  CHECK(has_cjk("山田"));
  CHECK(has_cjk("やまだ"));
  CHECK(has_cjk("ヤマダ"));
  CHECK(has_cjk("John 山田"));
  CHECK(has_cjk("\xE4\xB8\x80"));  // U+4E00, first of the range
  CHECK(has_cjk("\xE9\xBF\xBF"));  // U+9FFF, last of the range
  CHECK(has_cjk("ー"));            // U+30FC prolonged sound mark, in the Katakana block
  CHECK_FALSE(has_cjk("Tomohiro Kitano"));
  CHECK_FALSE(has_cjk(""));
  CHECK_FALSE(has_cjk(ideo));             // U+3000 is not a letter
  CHECK_FALSE(has_cjk("\xE3\x90\x80"));  // U+3400, CJK extension A: outside the range
  CHECK_FALSE(has_cjk("ｶﾀｶﾅ"));           // half-width katakana U+FF76…: outside the blocks
  CHECK_FALSE(has_cjk("김민수"));          // Hangul
  CHECK_FALSE(has_cjk("Ｍａｒｙ"));        // full-width Latin
  CHECK_FALSE(has_cjk("\xE4\xB8"));       // truncated
}

TEST_CASE("split_collapsed_name", "[text][name]") {
  using P = std::pair<std::string, std::string>;  // {given, family}
  CHECK(split("Tomohiro Kitano") == P{"Tomohiro", "Kitano"});
  CHECK(split("Mary Ann Smith") == P{"Mary Ann", "Smith"});
  CHECK(split("山田" + ideo + "太郎") == P{"太郎", "山田"});
  CHECK(split("山田 太郎 次郎") == P{"太郎 次郎", "山田"});
  CHECK(split("やまだ たろう") == P{"たろう", "やまだ"});
  CHECK(split("John 山田") == P{"山田", "John"});  // any CJK character makes it family name first
  CHECK(split("Madonna") == P{"", "Madonna"});
  CHECK(split("田中") == P{"", "田中"});
  CHECK(split("") == P{"", ""});
  CHECK(split("   ") == P{"", ""});
}

TEST_CASE("ASCII case mapping leaves other bytes alone", "[text]") {
  CHECK(lower("Guest@Example.COM") == "guest@example.com");
  CHECK(lower("ÄBC") == "Äbc");
  CHECK(lower("ＡＢＣ") == "ＡＢＣ");  // full-width letters are not ASCII
  CHECK(equals_ignore_ascii_case("MIXTEND.com", "mixtend.COM"));
  CHECK_FALSE(equals_ignore_ascii_case("mixtend.com", "mixtend.co"));
  CHECK(to_upper_ascii('q') == 'Q');
  CHECK(to_lower_ascii('[') == '[');
}

TEST_CASE("JSON strings escape quotes, backslashes and every control character", "[text][json]") {
  CHECK(json("plain") == "\"plain\"");
  CHECK(json("") == "\"\"");
  CHECK(json("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(json("\n\r\t\b\f") == "\"\\n\\r\\t\\b\\f\"");
  CHECK(json(std::string("\0", 1)) == "\"\\u0000\"");
  CHECK(json("\x01\x1f") == "\"\\u0001\\u001f\"");
  CHECK(json("\x0b") == "\"\\u000b\"");
  CHECK(json("\x7f") == "\"\x7f\"");  // DEL needs no escape in JSON
  CHECK(json("a/b") == "\"a/b\"");
  CHECK(json("山田" + ideo + "太郎") == "\"山田" + ideo + "太郎\"");
  CHECK(json("\xE2\x80\xA8") == "\"\xE2\x80\xA8\"");  // U+2028 is valid inside a JSON string
  for (int c = 0; c < 0x20; ++c) {
    const std::string out = json(std::string(1, char(c)));
    INFO(c);
    CHECK(out.size() > 3);
    CHECK(out[1] == '\\');
  }
}

TEST_CASE("append_uint", "[text][json]") {
  std::string out = "x";
  append_uint(out, 0);
  append_uint(out, 18446744073709551615ull);
  CHECK(out == "x018446744073709551615");
}

TEST_CASE("the bundled free-mail list", "[text][freemail]") {
  const FreeMailDomains& list = FreeMailDomains::bundled();
  CHECK(list.size() == 14125);
  for (const char* d : {"gmail.com", "yahoo.co.jp", "docomo.ne.jp", "ezweb.ne.jp", "icloud.com", "outlook.jp", "nifty.com"}) {
    INFO(d);
    CHECK(list.contains(d));
  }
  CHECK_FALSE(list.contains("mixtend.com"));
  CHECK_FALSE(list.contains("mail.gmail.com"));  // exact domains only
  CHECK_FALSE(list.contains("GMAIL.COM"));       // callers lowercase first
}

TEST_CASE("a free-mail list from text, with add, remove and copies", "[text][freemail]") {
  FreeMailDomains list = FreeMailDomains::from_text("# comment\n\ngmail.com\r\n  docomo.ne.jp  \nyahoo.co.jp");
  CHECK(list.size() == 3);
  CHECK(list.contains("gmail.com"));
  CHECK(list.contains("docomo.ne.jp"));
  CHECK(list.contains("yahoo.co.jp"));
  CHECK_FALSE(list.contains("# comment"));

  std::string added = "mixtend.co.jp";
  list.add(added);
  added = "overwritten";  // the list keeps its own copy
  CHECK(list.contains("mixtend.co.jp"));
  list.add("mixtend.co.jp");
  CHECK(list.size() == 4);
  list.remove("gmail.com");
  CHECK_FALSE(list.contains("gmail.com"));
  list.remove("not-there.example");
  CHECK(list.size() == 3);

  auto copy = std::make_unique<FreeMailDomains>(list);
  FreeMailDomains copy_of_copy(*copy);
  copy.reset();  // the second copy must not point into the first
  CHECK(copy_of_copy.contains("mixtend.co.jp"));
  copy_of_copy.add("example.jp");
  CHECK_FALSE(list.contains("example.jp"));
  CHECK(copy_of_copy.size() == 4);
}

TEST_CASE("display width: East Asian wide characters take two columns", "[text]") {
  using hubrules::text::display_width;
  using hubrules::text::pad_to_width;
  CHECK(display_width("") == 0);
  CHECK(display_width("Acme KK") == 7);
  CHECK(display_width("株式会社") == 8);
  CHECK(display_width("Léa") == 3);
  CHECK(display_width("ＡＢ") == 4);  // full-width Latin
  CHECK(pad_to_width("株式", 6) == "株式  ");
  CHECK(pad_to_width("too wide", 3) == "too wide");
}
