// The sandbox's pages a person sees: the OAuth consent page (choose the account, Allow or Deny)
// and the record pages the admin page links HubSpot ids to.
#include <catch2/catch.hpp>
#include <string>

#include "runtime/http/form_encoding.hpp"
#include "runtime/sandbox/sandbox.hpp"
#include "tests/process_support.hpp"
#include "tests/test_support.hpp"

namespace {

using namespace hubrules::testing;
namespace runtime = hubrules::runtime;
using hubrules::runtime::Sandbox;
using hubrules::runtime::SandboxOptions;

const runtime::http::Headers kForm = {{"Content-Type", "application/x-www-form-urlencoded"}};

struct Running {
  Sandbox crm;
  Running() : crm(options()) { crm.start(); }
  static SandboxOptions options() {
    SandboxOptions o;
    o.client_id = "cid";
    o.client_secret = "s3cret";
    return o;
  }
  Answer get(const std::string& target) const { return http_call(crm.base_url(), "GET", target); }
  Answer post_form(const std::string& body) const { return http_call(crm.base_url(), "POST", "/oauth/authorize", body, kForm); }
};

std::string location_of(const Answer& a) {
  for (const auto& [name, value] : a.headers)
    if (strcasecmp(name.c_str(), "location") == 0) return value;
  return "";
}

// A state with characters that must be escaped in the page and encoded in the redirect.
const std::string kQuery = "client_id=cid&redirect_uri=" + runtime::http::form_url_encode("http://127.0.0.1:9/cb") +
                           "&scope=" + runtime::http::form_url_encode("crm.objects.contacts.read crm.objects.contacts.write") +
                           "&state=" + runtime::http::form_url_encode("a\"><b>&x");

}  // namespace

TEST_CASE("sandbox authorize page: the app, the scopes, the account and the request carried to Allow", "[sandbox]") {
  Running s;
  const Answer page = s.get("/oauth/authorize?" + kQuery);
  REQUIRE(page.status == 200);
  CHECK(page.body.find("<strong id=\"client\">cid</strong>") != std::string::npos);
  CHECK(page.body.find("<li>crm.objects.contacts.write</li>") != std::string::npos);
  CHECK(page.body.find("type=\"radio\" name=\"portal\" value=\"1234567\"") != std::string::npos);
  CHECK(page.body.find("id=\"allow\"") != std::string::npos);
  CHECK(page.body.find("id=\"deny\"") != std::string::npos);
  // The state is escaped into its hidden field, never markup.
  CHECK(page.body.find("<b>") == std::string::npos);
  CHECK(page.body.find("name=\"state\" value=\"a&quot;&gt;&lt;b&gt;&amp;x\"") != std::string::npos);

  const Answer allowed = s.post_form(sandbox_allow_form(kQuery));
  REQUIRE(allowed.status == 302);
  const std::string back = location_of(allowed);
  CHECK(back.rfind("http://127.0.0.1:9/cb?code=sbx-code-", 0) == 0);
  CHECK(back.find("&state=" + runtime::http::form_url_encode("a\"><b>&x")) != std::string::npos);
}

TEST_CASE("sandbox authorize page: Deny sends the app access_denied with its state and no code", "[sandbox]") {
  Running s;
  const Answer denied = s.post_form(kQuery + "&portal=1234567&decision=deny");
  REQUIRE(denied.status == 302);
  const std::string back = location_of(denied);
  CHECK(back.rfind("http://127.0.0.1:9/cb?error=access_denied", 0) == 0);
  CHECK(back.find("code=") == std::string::npos);
  CHECK(back.find("&state=") != std::string::npos);
}

TEST_CASE("sandbox authorize page: a bad request gets an error page and never a redirect", "[sandbox]") {
  Running s;
  CHECK(s.get("/oauth/authorize?client_id=other&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb").status == 400);
  CHECK(s.get("/oauth/authorize?client_id=cid").status == 400);
  CHECK(s.get("/oauth/authorize?" + kQuery + "&code_challenge=abc&code_challenge_method=plain").status == 400);
  // Allow without choosing the account, or for an account that is not offered.
  const Answer unchosen = s.post_form(kQuery + "&decision=allow");
  CHECK(unchosen.status == 400);
  CHECK(location_of(unchosen).empty());
  CHECK(s.post_form(sandbox_allow_form(kQuery, 7654321)).status == 400);
  // The POST is checked as the page was: a client cannot skip the page's checks.
  CHECK(s.post_form(sandbox_allow_form("client_id=other&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb")).status == 400);
}

TEST_CASE("sandbox record pages: a contact and a company with their properties and associations", "[sandbox]") {
  Running s;
  const std::string contact = s.crm.seed_record("contacts", {{"email", "ann@example.com"}, {"firstname", "<Ann>"}});
  const std::string company = s.crm.seed_record("companies", {{"domain", "example.com"}, {"name", "Example"}});
  s.crm.seed_association(contact, company);

  const Answer person = s.get("/contacts/1234567/record/0-1/" + contact);
  REQUIRE(person.status == 200);
  CHECK(person.body.find("ann@example.com") != std::string::npos);
  CHECK(person.body.find("&lt;Ann&gt;") != std::string::npos);
  CHECK(person.body.find("href=\"/contacts/1234567/record/0-2/" + company + "\"") != std::string::npos);
  const Answer firm = s.get("/contacts/1234567/record/0-2/" + company);
  REQUIRE(firm.status == 200);
  CHECK(firm.body.find("example.com") != std::string::npos);
  CHECK(firm.body.find("href=\"/contacts/1234567/record/0-1/" + contact + "\"") != std::string::npos);

  CHECK(s.get("/contacts/1234567/record/0-1/999999").status == 404);
  CHECK(s.get("/contacts/1234567/record/0-3/" + contact).status == 404);
}
