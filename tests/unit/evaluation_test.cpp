// Evaluating plans on bookings: guards, block guards, conditionals, comparisons, lets, paths,
// URL parameters, form answers, and the R001/R002 errors of unreadable bookings.
#include <catch2/catch.hpp>

#include <string>

#include "tests/test_support.hpp"

using hubrules::engine::Op;
using hubrules::engine::PlanPtr;
using hubrules::testing::compile_text;
using hubrules::testing::map_line;

namespace {

PlanPtr plan_of(const std::string& rules) {
  const auto c = compile_text(rules);
  INFO(c.rendered());
  REQUIRE(c.compilation.plan != nullptr);
  return c.compilation.plan;
}

std::string entry(const std::string& field_type, const std::string& label, const std::string& value_json) {
  return R"({"field_type":")" + field_type + R"(","required":false,"label":")" + label + R"(","value":)" + value_json + "}";
}

// A confirmed booking with id "b1", the given form entries and extra event fields.
std::string booking(const std::string& form, const std::string& event_extra = "",
                    const std::string& webhook = R"("webhook_type":"event_confirmed")") {
  return "{" + webhook + R"(,"event":{"id":"b1","status":1)" + event_extra + R"(,"form":[)" + form + "]}}";
}

const std::string email_rules = R"(rules 1
when booking.webhook_type == "event_confirmed"
contacts {
  email = lower(valid_email(answer(type: "guest_email")))
}
)";

const std::string guest = entry("guest_email", "メールアドレス", R"("guest@mixtend.com")");
const std::string contact_line = R"({"line":1,"booking":"b1","contacts":{"properties":{"email":"guest@mixtend.com"}},"companies":null,"associate":false})";

// The value a contacts `city = EXPR` takes on a booking, as JSON, or "absent".
std::string city(const std::string& expr, const std::string& b, const std::string& lets = "") {
  const PlanPtr plan = plan_of("rules 1\n" + lets + "contacts {\n  email = \"x@mixtend.com\"\n  city = " + expr + "\n}\n");
  const std::string line = map_line(plan, b);
  const std::string key = R"("city":)";
  const auto at = line.find(key);
  if (at == std::string::npos) return line.find("\"error\"") != std::string::npos ? line : "absent";
  const auto end = line.find("}}", at);
  return line.substr(at + key.size(), end - at - key.size());
}

}  // namespace

TEST_CASE("a guard lets a booking through or skips it with the condition as the reason", "[evaluation][guard]") {
  const PlanPtr plan = plan_of(email_rules);
  CHECK(map_line(plan, booking(guest)) == contact_line);
  CHECK(map_line(plan, booking(guest, "", R"("webhook_type":"event_cancelled")")) ==
        R"({"line":1,"booking":"b1","skipped":"booking.webhook_type == \"event_confirmed\""})");
  // An absent field is null, and null == "event_confirmed" is false.
  CHECK(map_line(plan, R"({"event":{"id":"b1"}})") == R"({"line":1,"booking":"b1","skipped":"booking.webhook_type == \"event_confirmed\""})");
  // Case matters.
  CHECK(map_line(plan, booking(guest, "", R"("webhook_type":"Event_Confirmed")")).find("skipped") != std::string::npos);
}

TEST_CASE("the first failing guard is the reason, and guards that are not true skip", "[evaluation][guard]") {
  const PlanPtr plan = plan_of(R"(rules 1
when booking.webhook_type == "event_confirmed"
when booking.event.is_changed
contacts { email = lower(valid_email(answer(type: "guest_email"))) }
)");
  CHECK(map_line(plan, booking(guest, R"(,"is_changed":true)")).find("\"contacts\":{") != std::string::npos);
  CHECK(map_line(plan, booking(guest, R"(,"is_changed":false)")) ==
        R"({"line":1,"booking":"b1","skipped":"booking.event.is_changed"})");
  // Only `true` is true: a number, a string or null is no condition.
  for (const char* v : {"1", "\"true\"", "null"}) {
    INFO(v);
    CHECK(map_line(plan, booking(guest, std::string(R"(,"is_changed":)") + v)).find("\"skipped\":\"booking.event.is_changed\"") !=
          std::string::npos);
  }
  CHECK(map_line(plan, booking(guest, R"(,"is_changed":true)", R"("webhook_type":"event_cancelled")")).find(
            R"("skipped":"booking.webhook_type == \"event_confirmed\"")") != std::string::npos);
}

TEST_CASE("a guard must be a condition", "[evaluation][guard]") {
  const auto c = compile_text("rules 1\nwhen \"event_confirmed\"\ncontacts { email = \"a@b.jp\" }\n");
  CHECK(c.compilation.plan == nullptr);
  CHECK(c.rendered().find("error[E304]") != std::string::npos);
}

TEST_CASE("`or`, `and` and `not` in guards", "[evaluation][guard]") {
  const std::string tail = "contacts { email = lower(valid_email(answer(type: \"guest_email\"))) }\n";
  struct Case {
    const char* condition;
    bool passes;
  };
  for (const Case& c : {Case{"false or true", true}, Case{"true or false", true}, Case{"false or false", false},
                        Case{"false or false or true", true}, Case{"false and true or true", true},
                        Case{"true and false", false}, Case{"true and (false or true)", true},
                        Case{"not (false or true)", false}, Case{"not false", true}, Case{"not not false", false},
                        Case{"not not true", true}, Case{"booking.event.status == 2 or booking.event.status == 1", true},
                        Case{"present(booking.event.id) and not present(booking.event.canceled_at)", true}}) {
    INFO(c.condition);
    const PlanPtr plan = plan_of(std::string("rules 1\nwhen ") + c.condition + "\n" + tail);
    CHECK((map_line(plan, booking(guest)).find("skipped") == std::string::npos) == c.passes);
  }
}

TEST_CASE("block guards: `companies when present(company) { … }`", "[evaluation][guard]") {
  const PlanPtr plan = plan_of(R"(rules 1
let company = answer(type: "company_name")
companies when present(company) {
  name  = company
  phone = answer(type: "guest_phone")
  dedupe by name
}
contacts when booking.event.status == 1 {
  email = lower(valid_email(answer(type: "guest_email")))
}
associate contacts with companies
)");
  const std::string phone = entry("guest_phone", "電話番号", R"("03-1234-5678")");
  const std::string company = entry("company_name", "会社名", R"("ミクステンド")");
  CHECK(map_line(plan, booking(guest + "," + phone + "," + company)) ==
        R"({"line":1,"booking":"b1","contacts":{"properties":{"email":"guest@mixtend.com"}},)"
        R"("companies":{"properties":{"name":"ミクステンド","phone":"03-1234-5678"}},"associate":true})");
  // No company name: the block's guard fails, even though phone is there.
  CHECK(map_line(plan, booking(guest + "," + phone)) == contact_line);
  CHECK(map_line(plan, booking(guest + "," + phone + "," + entry("company_name", "会社名", R"("　")"))) == contact_line);
  // The contacts guard fails (status 3): no contact, so no association; the company still posts.
  const std::string cancelled = R"({"webhook_type":"event_confirmed","event":{"id":"b1","form":[)" + guest + "," + company +
                                R"(],"status":3}})";
  CHECK(map_line(plan, cancelled) ==
        R"({"line":1,"booking":"b1","contacts":null,"companies":{"properties":{"name":"ミクステンド"}},"associate":false})");
}

TEST_CASE("if … then … else", "[evaluation][conditional]") {
  const std::string title = R"(answer(label: "役職"))";
  const std::string expr = "if present(" + title + ") then " + title + " else \"不明\"";
  CHECK(city(expr, booking(entry("c", "役職", R"("部長")"))) == R"("部長")");
  CHECK(city(expr, booking(entry("c", "役職", R"(" ")"))) == R"("不明")");
  CHECK(city(expr, booking("")) == R"("不明")");
  // A condition that is null or not a boolean takes the else branch.
  CHECK(city(R"(if booking.event.nothing then "then" else "else")", booking("")) == R"("else")");
  CHECK(city(R"(if booking.event.status then "then" else "else")", booking("")) == R"("else")");
  // Nested, and with `or` in the condition.
  const std::string nested =
      R"(if booking.event.status == 1 then "confirmed" else if booking.event.status == 2 or booking.event.status == 3 then "cancelled" else null)";
  CHECK(city(nested, booking("")) == R"("confirmed")");
  CHECK(city(nested, R"({"event":{"status":3}})") == R"("cancelled")");
  CHECK(city(nested, R"({"event":{"status":4}})") == "absent");
}

TEST_CASE("== and != compare kind and value, numbers by value", "[evaluation][comparison]") {
  const std::string eq = R"(if booking.event.status == 1 then "eq" else "ne")";
  CHECK(city(eq, R"({"event":{"status":1}})") == R"("eq")");
  CHECK(city(eq, R"({"event":{"status":1.0}})") == R"("eq")");
  CHECK(city(eq, R"({"event":{"status":1.00}})") == R"("eq")");
  CHECK(city(eq, R"({"event":{"status":1e0}})") == R"("eq")");
  CHECK(city(eq, R"({"event":{"status":"1"}})") == R"("ne")");  // text is not a number
  CHECK(city(eq, R"({"event":{"status":10}})") == R"("ne")");
  CHECK(city(eq, R"({"event":{"status":true}})") == R"("ne")");
  CHECK(city(eq, R"({"event":{}})") == R"("ne")");
  const std::string ne = R"(if booking.event.status != 1 then "ne" else "eq")";
  CHECK(city(ne, R"({"event":{"status":"1"}})") == R"("ne")");
  CHECK(city(ne, R"({"event":{"status":1.0}})") == R"("eq")");
  // Literals.
  CHECK(city(R"(if 1 == 1.0 then "eq" else "ne")", "{}") == R"("eq")");
  CHECK(city(R"(if 0 == -0 then "eq" else "ne")", "{}") == R"("eq")");
  CHECK(city(R"(if "1" == 1 then "eq" else "ne")", "{}") == R"("ne")");
  CHECK(city(R"(if "1" != 1 then "ne" else "eq")", "{}") == R"("ne")");
  CHECK(city(R"(if null == null then "eq" else "ne")", "{}") == R"("eq")");
  CHECK(city(R"(if booking.event.id == null then "absent" else "there")", "{}") == R"("absent")");
  CHECK(city(R"(if true == true then "eq" else "ne")", "{}") == R"("eq")");
  CHECK(city(R"(if "a" == "A" then "eq" else "ne")", "{}") == R"("ne")");
}

TEST_CASE("a let is compiled once and evaluated once per booking", "[evaluation][let]") {
  const PlanPtr plan = plan_of(R"(rules 1
let email = lower(valid_email(answer(type: "guest_email")))
let domain = email_domain(email)
contacts {
  email = email
  city  = domain
  state = domain
  website = email_domain(email)
}
)");
  REQUIRE(plan->lets.size() == 2);
  std::size_t lower_calls = 0, let_refs = 0;
  for (const auto& n : plan->nodes) {
    if (n.op == Op::call && n.function->name == "lower") ++lower_calls;
    if (n.op == Op::let) ++let_refs;
  }
  CHECK(lower_calls == 1);  // the let's expression is not copied into its uses
  CHECK(let_refs == 5);

  // One evaluator, two bookings: the second booking's lets are its own.
  hubrules::engine::Evaluator evaluator(plan);
  std::string out;
  for (const char* mail : {"A@One.JP", "b@two.jp"}) {
    const simdjson::padded_string b(booking(entry("guest_email", "e", std::string("\"") + mail + "\"")));
    hubrules::engine::append_map_line(out, 1, evaluator.evaluate(b));
  }
  CHECK(out ==
        R"({"line":1,"booking":"b1","contacts":{"properties":{"email":"a@one.jp","city":"one.jp","state":"one.jp","website":"one.jp"}},"companies":null,"associate":false})"
        "\n"
        R"({"line":1,"booking":"b1","contacts":{"properties":{"email":"b@two.jp","city":"two.jp","state":"two.jp","website":"two.jp"}},"companies":null,"associate":false})"
        "\n");
}

TEST_CASE("paths read objects, array elements and quoted keys", "[evaluation][path]") {
  const std::string b =
      R"({"event":{"hosts":[{"name":"佐藤","email":"ken@mixtend.com"},{"name":" 二人目 "}],"x-y":"dash","n":42,"f":1.50,"t":true}})";
  CHECK(city("booking.event.hosts[0].email", b) == R"("ken@mixtend.com")");
  CHECK(city("booking.event.hosts[1].name", b) == R"(" 二人目 ")");  // paths are not trimmed
  CHECK(city("booking.event.hosts[2].name", b) == "absent");
  CHECK(city("booking.event.hosts[1].email", b) == "absent");
  CHECK(city(R"(booking.event["x-y"])", b) == R"("dash")");
  CHECK(city(R"(booking["event"]["n"])", b) == R"("42")");  // a number posted to a string property
  CHECK(city("booking.event.f", b) == R"("1.50")");          // as written
  CHECK(city("booking.event.t", b) == R"("true")");          // a boolean's text
  CHECK(city("booking.event.hosts[0].email", R"({"event":{"hosts":[]}})") == "absent");
  CHECK(city("booking.event.hosts[0].email", R"({"event":{"hosts":null}})") == "absent");
  CHECK(city("booking.event.hosts[0].email", R"({"event":null})") == "absent");
  CHECK(city("booking.event.hosts[0].email", R"({"event":{"hosts":[{"email":"   "}]}})") == "absent");  // blank
}

TEST_CASE("paths through the wrong shape are R002", "[evaluation][path][errors]") {
  const PlanPtr plan = plan_of("rules 1\ncontacts {\n  email = \"x@mixtend.com\"\n  city = booking.event.hosts[0].email\n  state = booking.event.zoom\n}\n");
  CHECK(map_line(plan, R"({"event":{"id":"b1","hosts":{"email":"a"}}})") ==
        R"({"line":1,"booking":"b1","error":{"code":"R002","message":"booking.event.hosts is an object, expected an array"}})");
  CHECK(map_line(plan, R"({"event":{"id":"b1","hosts":["ken@mixtend.com"]}})") ==
        R"({"line":1,"booking":"b1","error":{"code":"R002","message":"booking.event.hosts[0] is a string, expected an object"}})");
  CHECK(map_line(plan, R"({"event":{"id":"b1","zoom":{"join_url":"https://zoom.us/j/1"}}})") ==
        R"({"line":1,"booking":"b1","error":{"code":"R002","message":"booking.event.zoom is an object, expected a single value"}})");
  CHECK(map_line(plan, R"({"event":[]})") ==
        R"({"line":1,"booking":null,"error":{"code":"R002","message":"booking.event is an array, expected an object"}})");
}

TEST_CASE("url_param reads event.url_params: trimmed, first wins, blank is absent", "[evaluation][url_param]") {
  const std::string expr = R"(url_param("utm_source"))";
  CHECK(city(expr, R"({"event":{"url_params":[{"utm_campaign":"spring"},{"utm_source":" google "},{"utm_source":"bing"}]}})") ==
        R"("google")");
  CHECK(city(expr, R"({"event":{"url_params":[{"utm_campaign":"spring","utm_source":"ads"}]}})") == R"("ads")");
  CHECK(city(expr, R"({"event":{"url_params":[{"utm_campaign":"spring"}]}})") == "absent");
  CHECK(city(expr, R"({"event":{"url_params":[{"utm_source":"　"}]}})") == "absent");
  CHECK(city(expr, R"({"event":{"url_params":[]}})") == "absent");
  CHECK(city(expr, R"({"event":{"url_params":null}})") == "absent");
  CHECK(city(expr, R"({"event":{}})") == "absent");
  CHECK(city(expr, R"({"event":{"url_params":[{"utm_source":5}]}})") == R"("5")");
  CHECK(city(expr, R"({"event":{"url_params":[{"UTM_SOURCE":"x"}]}})") == "absent");  // names are exact
  const std::string bad = city(expr, R"({"event":{"url_params":["utm_source=google"]}})");
  CHECK(bad.find(R"("code":"R002")") != std::string::npos);
  CHECK(bad.find("booking.event.url_params[]") != std::string::npos);
  CHECK(city(expr, R"({"event":{"url_params":{"utm_source":"x"}}})").find(
            R"("message":"booking.event.url_params is an object, expected an array")") != std::string::npos);
}

TEST_CASE("unreadable lines are R001 with a message", "[evaluation][errors]") {
  const PlanPtr plan = plan_of(email_rules);
  const auto error = [&](const std::string& line) { return map_line(plan, line); };
  CHECK(error("") == R"({"line":1,"booking":null,"error":{"code":"R001","message":"empty line, expected a booking"}})");
  CHECK(error("   \t") == R"({"line":1,"booking":null,"error":{"code":"R001","message":"empty line, expected a booking"}})");
  CHECK(error(R"("event_confirmed")") == R"({"line":1,"booking":null,"error":{"code":"R001","message":"not valid JSON: expected an object"}})");
  CHECK(error("42") == R"({"line":1,"booking":null,"error":{"code":"R001","message":"not valid JSON: expected an object"}})");
  CHECK(error("null") == R"({"line":1,"booking":null,"error":{"code":"R001","message":"not valid JSON: expected an object"}})");
  CHECK(error("\xFF\xFE{}") ==
        R"({"line":1,"booking":null,"error":{"code":"R001","message":"not valid JSON: The input is not valid UTF-8"}})");
  for (const std::string& bad : {std::string("{} x"), std::string("{}{}"), std::string("{} {}"), std::string(R"({"a":1}])"),
                                std::string("webhook_type=event_confirmed"), std::string(R"({"webhook_type":"event_conf)"),
                                std::string(R"({"webhook_type":'event_confirmed'})"), std::string("{,}")}) {
    INFO(bad);
    const std::string line = error(bad);
    CHECK(line.rfind(R"({"line":1,"booking":null,"error":{"code":"R001","message":"not valid JSON: )", 0) == 0);
  }
}

TEST_CASE("bookings of the wrong shape are R002 with a message", "[evaluation][errors]") {
  const PlanPtr plan = plan_of(email_rules);
  CHECK(map_line(plan, "[]") == R"({"line":1,"booking":null,"error":{"code":"R002","message":"the booking is an array, expected an object"}})");
  CHECK(map_line(plan, R"({"webhook_type":"event_confirmed","event":{"id":"b1","form":{}}})") ==
        R"({"line":1,"booking":"b1","error":{"code":"R002","message":"booking.event.form is an object, expected an array"}})");
  CHECK(map_line(plan, R"({"webhook_type":"event_confirmed","event":{"id":"b1","form":"guest@mixtend.com"}})") ==
        R"({"line":1,"booking":"b1","error":{"code":"R002","message":"booking.event.form is a string, expected an array"}})");
  CHECK(map_line(plan, R"({"webhook_type":"event_confirmed","event":{"id":"b1","form":[1]}})") ==
        R"({"line":1,"booking":"b1","error":{"code":"R002","message":"booking.event.form[] is a number, expected an object"}})");
  CHECK(map_line(plan, booking(entry("guest_email", "e", R"({"text":"a@b.jp"})"))) ==
        R"({"line":1,"booking":"b1","error":{"code":"R002","message":"booking.event.form[].value is an object, expected text or an array of text"}})");
  CHECK(map_line(plan, booking(entry("guest_email", "e", R"([["a@b.jp"]])"))) ==
        R"({"line":1,"booking":"b1","error":{"code":"R002","message":"booking.event.form[].value[] is an array, expected a single value"}})");
  // A shape error wins over the guard: the booking is unreadable whatever its type.
  CHECK(map_line(plan, R"({"webhook_type":"event_cancelled","event":{"id":"b1","form":{}}})").find(R"("code":"R002")") !=
        std::string::npos);
  // A null form or form entry is no answer, not an error.
  CHECK(map_line(plan, R"({"webhook_type":"event_confirmed","event":{"id":"b1","form":null}})") ==
        R"({"line":1,"booking":"b1","contacts":null,"companies":null,"associate":false})");
  CHECK(map_line(plan, booking("null," + guest)) == contact_line);
}

TEST_CASE("duplicate JSON keys: the last one wins for paths", "[evaluation][json]") {
  const PlanPtr plan = plan_of(email_rules);
  CHECK(map_line(plan, R"({"webhook_type":"event_cancelled","webhook_type":"event_confirmed","event":{"id":"b1","form":[)" + guest +
                           "]}}") == contact_line);
  CHECK(map_line(plan, R"({"webhook_type":"event_confirmed","webhook_type":"event_cancelled","event":{"id":"b1","form":[)" + guest +
                           "]}}")
            .find("skipped") != std::string::npos);
  CHECK(map_line(plan, R"({"webhook_type":"event_confirmed","event":{"id":"first","id":"b1","form":[)" + guest + "]}}") ==
        contact_line);
  // Within one form entry, too: the last field_type and the last value count.
  CHECK(map_line(plan, booking(R"({"field_type":"guest_name","field_type":"guest_email","label":"e","value":"x","value":"guest@mixtend.com"})")) ==
        contact_line);
}

TEST_CASE("escaped keys are read as their text", "[evaluation][json]") {
  const PlanPtr plan = plan_of(email_rules);
  CHECK(map_line(plan, R"({"webhook_\u0074ype":"event_confirmed","ev\u0065nt":{"id":"b1","form":[{"field_\u0074ype":"guest_email","label":"e","valu\u0065":"guest@mixtend.com"}]}})") ==
        contact_line);
}

TEST_CASE("keys longer than simdjson's padding are compared safely", "[evaluation][json]") {
  const std::string key(100, 'k');
  const PlanPtr plan = plan_of("rules 1\ncontacts {\n  email = \"x@mixtend.com\"\n  city = booking[\"" + key + "\"]\n}\n");
  // A short key last in the document: a comparison must not read past the padding.
  CHECK(map_line(plan, R"({"k":1})").find(R"("city")") == std::string::npos);
  CHECK(map_line(plan, "{\"" + key + "\":\"long\"}").find(R"("city":"long")") != std::string::npos);
  CHECK(map_line(plan, "{\"" + key + "x\":\"longer\"}").find(R"("city")") == std::string::npos);
  CHECK(map_line(plan, "{\"" + key.substr(1) + "\":\"shorter\"}").find(R"("city")") == std::string::npos);
}

TEST_CASE("the first form entry for a question wins", "[evaluation][answers]") {
  const PlanPtr plan = plan_of(email_rules + "");
  CHECK(map_line(plan, booking(guest + "," + entry("guest_email", "e", R"("second@mixtend.com")"))) == contact_line);
  const PlanPtr titles = plan_of(R"(rules 1
contacts {
  email = "x@mixtend.com"
  jobtitle = answer(label: "役職")
  company = answer(type: "company_name")
}
)");
  CHECK(map_line(titles, booking(entry("c", "役職", R"("部長")") + "," + entry("c", "役職", R"("課長")"))).find(R"("jobtitle":"部長")") !=
        std::string::npos);
  // Standard questions by field_type: a custom question labelled 会社名 is not the company name.
  CHECK(map_line(titles, booking(entry("custom_text", "会社名", R"("ラベル")") + "," + entry("company_name", "御社名", R"("本物")")))
            .find(R"("company":"本物")") != std::string::npos);
}

TEST_CASE("answers: arrays of trimmed choices joined with a semicolon, numbers as text, trimmed", "[evaluation][answers]") {
  const std::string expr = R"(answer(label: "q"))";
  CHECK(city(expr, booking(entry("c", "q", R"(["CRM","MA"])"))) == R"("CRM;MA")");
  CHECK(city(expr, booking(entry("c", "q", R"(["CRM"])"))) == R"("CRM")");
  CHECK(city(expr, booking(entry("c", "q", R"([])"))) == "absent");
  CHECK(city(expr, booking(entry("c", "q", R"([null])"))) == "absent");
  CHECK(city(expr, booking(entry("c", "q", R"(["CRM",null,"MA"])"))) == R"("CRM;MA")");
  CHECK(city(expr, booking(entry("c", "q", R"([1,2.5])"))) == R"("1;2.5")");
  // Each choice is trimmed and blank ones are left out.
  CHECK(city(expr, booking(entry("c", "q", R"(["","CRM"," "])"))) == R"("CRM")");
  CHECK(city(expr, booking(entry("c", "q", R"([" "," "])"))) == "absent");
  CHECK(city(expr, booking(entry("c", "q", R"(["CRM ","","　MA"])"))) == R"("CRM;MA")");
  CHECK(city(expr, booking(entry("c", "q", R"(" \u3000CRM\t")"))) == R"("CRM")");
  CHECK(city(expr, booking(entry("c", "q", R"(12)"))) == R"("12")");
  CHECK(city(expr, booking(entry("c", "q", R"(null)"))) == "absent");
  CHECK(city(expr, booking(entry("c", "q", R"("")"))) == "absent");
  CHECK(city(expr, booking(R"({"label":"q"})")) == "absent");  // no value at all
  CHECK(city(expr, booking(R"({"value":"v","label":"q"})")) == R"("v")");  // value before label
}

TEST_CASE("the booking id: event.id as text, a number as written, else null", "[evaluation][booking]") {
  const PlanPtr plan = plan_of(email_rules);
  const std::string form = R"(,"form":[)" + guest + "]}}";
  const auto with_id = [&](const std::string& id) {
    return map_line(plan, R"({"webhook_type":"event_confirmed","event":{"id":)" + id + form);
  };
  CHECK(with_id("42").rfind(R"({"line":1,"booking":"42","contacts":{)", 0) == 0);
  CHECK(with_id("1.50").rfind(R"({"line":1,"booking":"1.50",)", 0) == 0);
  CHECK(with_id("-7").rfind(R"({"line":1,"booking":"-7",)", 0) == 0);
  CHECK(with_id(R"("a\"b")").rfind(R"({"line":1,"booking":"a\"b",)", 0) == 0);
  CHECK(with_id("null").rfind(R"({"line":1,"booking":null,"contacts":{)", 0) == 0);
  CHECK(with_id("true").rfind(R"({"line":1,"booking":null,"contacts":{)", 0) == 0);
  // Rules that do not read event.id themselves do not fail a booking for its shape.
  CHECK(with_id(R"({"v":1})").rfind(R"({"line":1,"booking":null,"contacts":{)", 0) == 0);
  CHECK(with_id("[1]").rfind(R"({"line":1,"booking":null,"contacts":{)", 0) == 0);
  // Rules that read event.id do.
  const PlanPtr reads_id = plan_of("rules 1\ncontacts {\n  email = \"x@mixtend.com\"\n  city = booking.event.id\n}\n");
  CHECK(map_line(reads_id, R"({"event":{"id":{"v":1}}})") ==
        R"({"line":1,"booking":null,"error":{"code":"R002","message":"booking.event.id is an object, expected a single value"}})");
  CHECK(map_line(plan, R"({"webhook_type":"event_confirmed","event":{"form":[)" + guest + "]}}").rfind(
            R"({"line":1,"booking":null,"contacts":{)", 0) == 0);
  // The id of a skipped booking and of a booking with a later shape error is known.
  CHECK(map_line(plan, R"({"webhook_type":"event_cancelled","event":{"id":"c9"}})") ==
        R"({"line":1,"booking":"c9","skipped":"booking.webhook_type == \"event_confirmed\""})");
  CHECK(map_line(plan, R"({"event":{"id":"c9","form":7}})").rfind(R"({"line":1,"booking":"c9","error":)", 0) == 0);
}

TEST_CASE("the line number is the one given", "[evaluation][booking]") {
  const PlanPtr plan = plan_of(email_rules);
  CHECK(map_line(plan, "", 12345).rfind(R"({"line":12345,)", 0) == 0);
}
