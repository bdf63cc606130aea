// The checker: the plan it builds for a good rule file, and the schema it checks against.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/test_support.hpp"

using hubrules::testing::compile_text;
using namespace hubrules;

namespace fs = std::filesystem;

namespace {


std::vector<std::string> property_names(const engine::BlockPlan& b) {
  std::vector<std::string> names;
  for (const auto& p : b.properties) names.push_back(p.name);
  return names;
}

std::vector<std::string> dedupe_names(const engine::BlockPlan& b) {
  std::vector<std::string> names;
  for (auto i : b.dedupe_keys) names.push_back(b.properties.at(i).name);
  return names;
}

std::set<std::string> keys(const std::vector<engine::KeyedSlot>& slots) {
  std::set<std::string> out;
  for (const auto& s : slots) out.insert(s.key);
  return out;
}

const engine::ReadNode* read_node(const engine::Plan& plan, const std::string& path) {
  for (const auto& n : plan.read_tree)
    if (n.path == path) return &n;
  return nullptr;
}

std::vector<std::string> codes(const grammar::Diagnostics& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(d.code);
  return out;
}

// A rule file with one contacts block mapping `email` and the given extra lines.
std::string contacts_with(const std::string& lines, const std::string& before = "") {
  return "rules 1\n" + before + "contacts {\n  email = lower(valid_email(answer(type: \"guest_email\")))\n" + lines + "}\n";
}

// A directory under the system temp dir, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("hubrules_checker_test_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string property_json(const std::string& name, const std::string& type, const std::string& group,
                          bool read_only = false) {
  return R"({"name":")" + name + R"(","label":")" + name + R"(","type":")" + type + R"(","fieldType":"text","groupName":")" +
         group + R"(","calculated":false,"modificationMetadata":{"readOnlyValue":)" + (read_only ? "true" : "false") + "}}";
}

}  // namespace

TEST_CASE("the plan of rules/timerex.rules", "[checker]") {
  const auto c = compile_text(hubrules::testing::read_file(fs::path(testing::source_dir()) / "rules/timerex.rules"), "rules/timerex.rules");
  INFO(c.rendered());
  CHECK(c.compilation.diagnostics.empty());
  REQUIRE(c.compilation.plan != nullptr);
  const engine::Plan& plan = *c.compilation.plan;

  SECTION("properties, in the order written") {
    CHECK(plan.contacts.declared);
    CHECK(plan.contacts.object == "contacts");
    CHECK(property_names(plan.contacts) ==
          std::vector<std::string>{"email", "firstname", "lastname", "phone", "company", "jobtitle"});
    CHECK(plan.companies.declared);
    CHECK(plan.companies.object == "companies");
    CHECK(property_names(plan.companies) == std::vector<std::string>{"name", "domain", "phone", "numberofemployees"});
  }
  SECTION("only numberofemployees is a number property") {
    for (const auto* block : {&plan.contacts, &plan.companies})
      for (const auto& p : block->properties) {
        INFO(block->object << "." << p.name);
        CHECK(p.numeric == (p.name == "numberofemployees"));
      }
  }
  SECTION("dedupe keys, the required email, associate") {
    CHECK(dedupe_names(plan.contacts) == std::vector<std::string>{"email"});
    CHECK(dedupe_names(plan.companies) == std::vector<std::string>{"domain", "name"});
    REQUIRE(plan.contacts.required >= 0);
    CHECK(plan.contacts.properties.at(static_cast<std::size_t>(plan.contacts.required)).name == "email");
    CHECK(plan.companies.required == -1);
    CHECK(plan.associate);
    CHECK(plan.contacts.guard == -1);
    CHECK(plan.companies.guard == -1);
  }
  SECTION("the guard, with its text for skip reasons") {
    REQUIRE(plan.guards.size() == 1);
    CHECK(plan.guards[0].text == "booking.webhook_type == \"event_confirmed\"");
    CHECK(plan.guards[0].node < plan.nodes.size());
  }
  SECTION("the read set: answers by type and label, no URL parameters") {
    CHECK(keys(plan.answers_by_type) == std::set<std::string>{"guest_email", "company_name", "guest_phone", "guest_name"});
    CHECK(keys(plan.answers_by_label) == std::set<std::string>{"従業員数", "役職"});
    CHECK(plan.url_params.empty());
    const auto* form = read_node(plan, "booking.event.form");
    REQUIRE(form != nullptr);
    CHECK(form->collector == engine::ReadNode::Collector::form_answers);
    const auto* type = read_node(plan, "booking.webhook_type");
    REQUIRE(type != nullptr);
    CHECK(type->slot >= 0);
  }
  SECTION("the booking id has its slot, and every slot is distinct") {
    REQUIRE(plan.booking_id_slot >= 0);
    const auto* id = read_node(plan, "booking.event.id");
    REQUIRE(id != nullptr);
    CHECK(id->slot == plan.booking_id_slot);
    std::set<std::int32_t> slots;
    std::size_t count = 0;
    const auto add = [&](std::int32_t slot) {
      slots.insert(slot);
      ++count;
    };
    for (const auto& n : plan.read_tree)
      if (n.slot >= 0) add(n.slot);
    for (const auto* list : {&plan.answers_by_type, &plan.answers_by_label, &plan.url_params})
      for (const auto& s : *list) add(s.slot);
    CHECK(slots.size() == count);
    CHECK(count == plan.slot_count);
    CHECK(*slots.rbegin() == static_cast<std::int32_t>(plan.slot_count) - 1);
  }
  SECTION("each let is compiled once") { CHECK(plan.lets.size() == 4); }
}

TEST_CASE("the same answer read twice shares one slot", "[checker]") {
  const auto c = compile_text(contacts_with("  company = answer(type: \"company_name\")\n"
                                            "  message = concat(answer(type: \"company_name\"), url_param(\"utm_source\"))\n"));
  INFO(c.rendered());
  REQUIRE(c.compilation.plan != nullptr);
  const auto& plan = *c.compilation.plan;
  CHECK(plan.answers_by_type.size() == 2);  // guest_email, company_name
  REQUIRE(plan.url_params.size() == 1);
  CHECK(plan.url_params[0].key == "utm_source");
  const auto* params = read_node(plan, "booking.event.url_params");
  REQUIRE(params != nullptr);
  CHECK(params->collector == engine::ReadNode::Collector::url_params);
}

TEST_CASE("contacts without a dedupe line are deduplicated by email", "[checker]") {
  const auto c = compile_text(contacts_with("  phone = answer(type: \"guest_phone\")\n"));
  REQUIRE(c.compilation.plan != nullptr);
  CHECK(dedupe_names(c.compilation.plan->contacts) == std::vector<std::string>{"email"});
  CHECK_FALSE(c.compilation.plan->companies.declared);
  CHECK_FALSE(c.compilation.plan->associate);
}

TEST_CASE("a block guard is compiled into the block", "[checker]") {
  const auto c = compile_text(
      "rules 1\ncontacts when booking.webhook_type == \"event_confirmed\" {\n"
      "  email = answer(type: \"guest_email\")\n}\n");
  INFO(c.rendered());
  REQUIRE(c.compilation.plan != nullptr);
  CHECK(c.compilation.plan->contacts.guard >= 0);
  CHECK(c.compilation.plan->guards.empty());
}

TEST_CASE("numbers: number() and number literals fit a number property", "[checker]") {
  const auto c = compile_text(
      "rules 1\ncompanies {\n  name = answer(type: \"company_name\")\n"
      "  numberofemployees = number(answer(label: \"従業員数\"))\n  annualrevenue = 1000000\n  dedupe by name\n}\n");
  INFO(c.rendered());
  REQUIRE(c.compilation.plan != nullptr);
  for (const auto& p : c.compilation.plan->companies.properties) CHECK(p.numeric == (p.name != "name"));
}

TEST_CASE("type checks: E207 and E304", "[checker]") {
  CHECK(codes(compile_text(contacts_with("  jobtitle = present(url_param(\"x\"))\n")).compilation.diagnostics) ==
        std::vector<std::string>{"E207"});
  CHECK(codes(compile_text(contacts_with("  jobtitle = if \"x\" then \"a\" else \"b\"\n")).compilation.diagnostics) ==
        std::vector<std::string>{"E304"});
  CHECK(codes(compile_text(contacts_with("", "when not 12\n")).compilation.diagnostics) ==
        std::vector<std::string>{"E304"});
  CHECK(codes(compile_text(contacts_with("", "when present(booking.x) and \"y\"\n")).compilation.diagnostics) ==
        std::vector<std::string>{"E304"});
  // A path's type is unknown: it may be a boolean.
  CHECK(compile_text(contacts_with("", "when booking.event.confirmed\n")).compilation.diagnostics.empty());
}

TEST_CASE("warnings leave a plan, errors leave none", "[checker]") {
  const auto warned = compile_text(contacts_with("", "let unused = 1\n"));
  REQUIRE(warned.compilation.diagnostics.size() == 1);
  CHECK(warned.compilation.diagnostics[0].code == "W401");
  CHECK(warned.compilation.diagnostics[0].severity == grammar::Severity::warning);
  CHECK(warned.compilation.plan != nullptr);

  const auto failed = compile_text(contacts_with("  emial = \"x\"\n"));
  CHECK(codes(failed.compilation.diagnostics) == std::vector<std::string>{"E200"});
  CHECK(failed.compilation.plan == nullptr);
}

TEST_CASE("diagnostics come out in source order", "[checker]") {
  // The checker finds W401 last and the parser finds E100 first; the order is by position.
  const auto c = compile_text("rules 1\nlet unused = 1\ncontacts {\n  email = answer(type: \"guest_email\")\n"
                              "  phone = nosuch(1)\n  ???\n}\n");
  CHECK(codes(c.compilation.diagnostics) == std::vector<std::string>{"W401", "E300", "E100"});
  for (std::size_t i = 1; i < c.compilation.diagnostics.size(); ++i)
    CHECK(c.compilation.diagnostics[i - 1].span.begin <= c.compilation.diagnostics[i].span.begin);
}

TEST_CASE("freemail edits change the plan's free-mail list", "[checker]") {
  const auto c = compile_text(contacts_with("", "freemail add \"example.jp\"\nfreemail remove \"gmail.com\"\n"));
  INFO(c.rendered());
  REQUIRE(c.compilation.plan != nullptr);
  CHECK(c.compilation.plan->free_mail.contains("example.jp"));
  CHECK_FALSE(c.compilation.plan->free_mail.contains("gmail.com"));
  CHECK(text::FreeMailDomains::bundled().contains("gmail.com"));
}

TEST_CASE("a custom schema from --schema DIR", "[checker][schema]") {
  TempDir dir;
  hubrules::testing::write_file(dir.path / "contacts.json",
             R"({"results":[)" + property_json("email", "string", "contactinformation") + "," +
                 property_json("favourite_food", "string", "contactinformation") + "," +
                 property_json("internal_score", "number", "contactinformation", true) + "]}");
  hubrules::testing::write_file(dir.path / "companies.json",
             R"({"results":[)" + property_json("name", "string", "companyinformation") + "," +
                 property_json("seats", "number", "companyinformation") + "]}");
  const engine::HubSpotSchema schema = engine::HubSpotSchema::from_directory(dir.path.string());
  REQUIRE(schema.contacts.find("favourite_food") != nullptr);
  CHECK(schema.contacts.find("favourite_food")->type == "string");
  CHECK(schema.contacts.find("internal_score")->read_only);
  CHECK(schema.contacts.find("jobtitle") == nullptr);

  const auto compile = [&](const std::string& text) {
    auto src = std::make_shared<grammar::SourceFile>("custom.rules", text);
    return testing::CompiledText{src, engine::compile_rules(*src, schema)};
  };

  SECTION("a custom property is known") {
    const auto c = compile(
        "rules 1\ncontacts {\n  email = answer(type: \"guest_email\")\n  favourite_food = answer(label: \"好物\")\n}\n"
        "companies {\n  name = answer(type: \"company_name\")\n  seats = number(answer(label: \"席数\"))\n"
        "  dedupe by name\n}\n");
    INFO(c.rendered());
    CHECK(c.compilation.diagnostics.empty());
    REQUIRE(c.compilation.plan != nullptr);
    CHECK(property_names(c.compilation.plan->contacts) == std::vector<std::string>{"email", "favourite_food"});
    CHECK(c.compilation.plan->companies.properties.at(1).numeric);
  }
  SECTION("the bundled schema does not know it") {
    const auto c = compile_text(contacts_with("  favourite_food = answer(label: \"好物\")\n"));
    CHECK(codes(c.compilation.diagnostics) == std::vector<std::string>{"E200"});
  }
  SECTION("a property the portal lacks is unknown; its flags come from the file") {
    const auto c = compile(contacts_with("  jobtitle = answer(label: \"役職\")\n  internal_score = 1\n"));
    CHECK(codes(c.compilation.diagnostics) == std::vector<std::string>{"E200", "E203"});
    CHECK(c.rendered().find("unknown contacts property `jobtitle`") != std::string::npos);
  }
  SECTION("hubrules check --schema DIR uses it") {
    hubrules::testing::write_file(dir.path / "custom.rules", contacts_with("  favourite_food = answer(label: \"好物\")\n"));
    const auto with = testing::run_hubrules("check '" + (dir.path / "custom.rules").string() + "' --schema '" +
                                            dir.path.string() + "'");
    INFO(with.output);
    CHECK(with.status == 0);
    const auto without = testing::run_hubrules("check '" + (dir.path / "custom.rules").string() + "'");
    CHECK(without.status == 1);
    CHECK(without.output.find("[E200]") != std::string::npos);
  }
}

TEST_CASE("a bad schema is a clear std::runtime_error", "[checker][schema]") {
  TempDir dir;
  const std::string ok = R"({"results":[)" + property_json("name", "string", "companyinformation") + "]}";
  hubrules::testing::write_file(dir.path / "companies.json", ok);
  const std::string contacts = (dir.path / "contacts.json").string();
  const auto load = [&] { return engine::HubSpotSchema::from_directory(dir.path.string()); };

  SECTION("a missing file") {
    CHECK_THROWS_WITH(load(), Catch::Contains(contacts) && Catch::Contains("cannot read the file"));
  }
  SECTION("not JSON") {
    hubrules::testing::write_file(dir.path / "contacts.json", "{\"results\": [");
    CHECK_THROWS_AS(load(), std::runtime_error);
    CHECK_THROWS_WITH(load(), Catch::Contains(contacts) && Catch::Contains("not valid JSON"));
  }
  SECTION("JSON without results") {
    hubrules::testing::write_file(dir.path / "contacts.json", R"({"properties":[]})");
    CHECK_THROWS_WITH(load(), Catch::Contains(contacts) && Catch::Contains("expected {\"results\":[…]}") &&
                                  Catch::Contains("/crm/v3/properties/contacts"));
  }
  SECTION("a property that is not an object") {
    hubrules::testing::write_file(dir.path / "contacts.json", R"({"results":["email"]})");
    CHECK_THROWS_WITH(load(), Catch::Contains(contacts) && Catch::Contains("a property is not a JSON object"));
  }
  SECTION("a property without a name") {
    hubrules::testing::write_file(dir.path / "contacts.json", R"({"results":[{"type":"string"}]})");
    CHECK_THROWS_WITH(load(), Catch::Contains(contacts) && Catch::Contains("a property has no \"name\""));
  }
  SECTION("hubrules check reports it and exits 1") {
    hubrules::testing::write_file(dir.path / "contacts.json", "not json");
    const auto r = testing::run_hubrules("check rules/timerex.rules --schema '" + dir.path.string() + "'");
    CHECK(r.status == 1);
    CHECK(r.output.find("hubrules check: " + contacts + ": not valid JSON") != std::string::npos);
  }
}

TEST_CASE("the bundled schema holds HubSpot's default properties", "[checker][schema]") {
  const auto& schema = engine::HubSpotSchema::bundled();
  REQUIRE(schema.contacts.find("email") != nullptr);
  CHECK(schema.contacts.find("email")->group == "contactinformation");
  REQUIRE(schema.companies.find("numberofemployees") != nullptr);
  CHECK(schema.companies.find("numberofemployees")->type == "number");
  CHECK(schema.object("deals") == nullptr);
  CHECK(schema.object("contacts") == &schema.contacts);
}
