// libFuzzer target: `hubrules map` on arbitrary NDJSON bytes, under rules/timerex.rules and under
// a rule file that exercises the rest of the language (paths with [0], url_param, if/then/else,
// lets, block guards, freemail edits). Each input line must give exactly one well-formed output
// line with the right line number, parsed exactly as runtime::map_bookings parses it (in place,
// the padding after the line holding whatever follows).
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/compiler.hpp"
#include "engine/diagnostic_format.hpp"
#include "engine/evaluator.hpp"
#include "engine/map_output.hpp"
#include "grammar/source.hpp"
#include "runtime/mapping/ndjson_chunks.hpp"

namespace {

using namespace hubrules;

// rules/timerex.rules, found from this file's path; HUBRULES_RULES overrides it.
std::string timerex_rules() {
  std::filesystem::path p = std::getenv("HUBRULES_RULES") != nullptr
                                ? std::filesystem::path(std::getenv("HUBRULES_RULES"))
                                : std::filesystem::path(__FILE__).parent_path() / "../../rules/timerex.rules";
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz_map_booking: cannot read %s (set HUBRULES_RULES)\n", p.c_str());
    std::abort();
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr const char* language_rules = R"(rules 1
when booking.webhook_type == "event_confirmed" or booking.webhook_type == null
let email = lower(valid_email(coalesce(answer(type: "guest_email"), booking.event.hosts[0].email)))
let id = booking.event.id
freemail add "example.com"
freemail remove "nifty.com"
contacts when present(email) {
  email = email
  firstname = if booking.event.status == 1 then given_name(answer(type: "guest_name")) else null
  lastname = family_name(answer(type: "guest_name"))
  website = url_param("utm_source")
  city = concat(id, "-", booking.event.duration, booking.event["x-y"])
  address = join(";", answer(label: "ご興味のある製品"), replace(trim(answer(label: "住所")), " ", "_"))
  state = upper(email_domain(email))
  zip = coalesce(url_param("a_url_parameter_whose_name_is_longer_than_the_sixty_four_bytes_of_padding"), booking.event["a_key_longer_than_the_sixty_four_bytes_of_simdjson_padding_after_a_document"])
  dedupe by email
}
companies when present(company_domain(email)) or booking.event.status != 2 {
  name = coalesce(answer(type: "company_name"), booking.calendar_name)
  domain = company_domain(email)
  numberofemployees = number(coalesce(answer(label: "従業員数"), booking.event.duration))
  annualrevenue = number(answer(label: "売上"))
  dedupe by domain or name
}
associate contacts with companies
)";

engine::PlanPtr compile(const std::string& name, const std::string& text) {
  static std::vector<std::unique_ptr<grammar::SourceFile>> sources;
  sources.push_back(std::make_unique<grammar::SourceFile>(name, text));
  engine::Compilation c = engine::compile_rules(*sources.back());
  if (!c.plan) {
    std::fprintf(stderr, "%s", engine::format_diagnostics(*sources.back(), c.diagnostics).c_str());
    std::abort();
  }
  return c.plan;
}

struct Fixture {
  std::vector<engine::PlanPtr> plans{compile("timerex.rules", timerex_rules()), compile("language.rules", language_rules)};
  std::vector<std::unique_ptr<engine::Evaluator>> evaluators;
  simdjson::dom::parser checker;
  Fixture() {
    for (const auto& p : plans) evaluators.push_back(std::make_unique<engine::Evaluator>(p));
  }
};

void check_line(Fixture& f, const std::string& out, std::size_t line) {
  if (out.empty() || out.back() != '\n' || out.find('\n') != out.size() - 1) __builtin_trap();
  simdjson::dom::element e;
  const auto err = f.checker.parse(out).get(e);
  // Digits beyond what a double holds are still JSON, but not for simdjson's DOM.
  if (err == simdjson::NUMBER_ERROR) return;
  if (err) {
    std::fprintf(stderr, "invalid output line: %s\n%s", simdjson::error_message(err), out.c_str());
    __builtin_trap();
  }
  std::uint64_t n = 0;
  if (e["line"].get(n) || n != line) __builtin_trap();
  simdjson::dom::element id;
  if (e["booking"].get(id) || !(id.is_null() || id.is_string())) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture f;
  // As NdjsonChunks holds input: the lines, then padding of arbitrary content.
  std::vector<char> buffer(size + simdjson::SIMDJSON_PADDING, '{');
  std::copy(data, data + size, buffer.begin());
  const char* begin = buffer.data();
  const char* readable = buffer.data() + buffer.size();
  for (auto& ev : f.evaluators) {
    std::size_t outputs = 0;
    const std::size_t lines = runtime::for_each_line(begin, begin + size, 1, [&](std::size_t line, const char* p, std::size_t len) {
      std::string out;
      engine::append_map_line(out, line, ev->evaluate(p, len, static_cast<std::size_t>(readable - p)));
      check_line(f, out, line);
      ++outputs;
    });
    if (outputs != lines) __builtin_trap();
  }
  return 0;
}
