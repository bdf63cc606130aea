// The admin page's pieces without a server: signed sessions and their timeouts, CSRF tokens
// bound to a session, the slowing of failed sign-ins, OAuth states, languages and escaping.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "runtime/admin/admin_oauth.hpp"
#include "runtime/admin/admin_sessions.hpp"
#include "runtime/admin/admin_text.hpp"
#include "runtime/admin/html.hpp"
#include "runtime/admin/test_booking.hpp"
#include "runtime/http/form_encoding.hpp"
#include "tests/test_support.hpp"

using namespace hubrules::runtime;
using namespace hubrules::runtime::admin;
using namespace std::chrono_literals;

TEST_CASE("admin sessions: signed, slid on use, ended by idleness, age, sign-out or another token", "[admin]") {
  ManualClock clock;
  SigningKey key("the-admin-token-0123456789");
  AdminSessions sessions(key, clock);
  const Session s = sessions.start();
  const std::string cookie = sessions.cookie_value(s);
  REQUIRE(sessions.check(cookie));
  CHECK(sessions.check(cookie)->id == s.id);

  // Any change to the cookie breaks its signature.
  std::string forged = cookie;
  forged[forged.find('.') + 1] = forged[forged.find('.') + 1] == '1' ? '2' : '1';
  CHECK_FALSE(sessions.check(forged));
  CHECK_FALSE(sessions.check(""));
  CHECK_FALSE(sessions.check("a.b.c"));
  SigningKey other_key("another-admin-token-0123456");
  AdminSessions other(other_key, clock);
  CHECK_FALSE(other.check(cookie));

  // Idle too long: gone. Used within the idle time: slid on.
  clock.advance(AdminSessions::kIdle - 1min);
  const std::string slid = sessions.cookie_value(*sessions.check(cookie));
  clock.advance(2min);
  CHECK_FALSE(sessions.check(cookie));
  CHECK(sessions.check(slid));
  // Never past its lifetime, however used.
  std::string used = slid;
  for (auto age = 0min; age < AdminSessions::kLifetime - 30min; age += 20min) {
    const auto current = sessions.check(used);
    REQUIRE(current);
    used = sessions.cookie_value(*current);
    clock.advance(20min);
  }
  clock.advance(40min);
  CHECK_FALSE(sessions.check(used));

  const Session fresh = sessions.start();
  const std::string fresh_cookie = sessions.cookie_value(fresh);
  sessions.sign_out(fresh);
  CHECK_FALSE(sessions.check(fresh_cookie));
}

TEST_CASE("admin CSRF tokens: bound to their session", "[admin]") {
  ManualClock clock;
  SigningKey key("the-admin-token-0123456789");
  AdminSessions sessions(key, clock);
  const auto a = sessions.start(), b = sessions.start();
  const std::string token = sessions.csrf_token(a.id);
  CHECK(sessions.csrf_ok(a.id, token));
  CHECK_FALSE(sessions.csrf_ok(b.id, token));
  CHECK_FALSE(sessions.csrf_ok(a.id, ""));
  CHECK_FALSE(sessions.csrf_ok(a.id, token.substr(1)));
  CHECK(sessions.csrf_token(a.id) != key.sign("session", a.id));  // one purpose cannot stand in for another
}

TEST_CASE("admin sign-in throttle: free tries, then doubling waits up to a minute, and success clears", "[admin]") {
  ManualClock clock;
  SignInThrottle throttle(clock);
  for (int i = 0; i < SignInThrottle::kFreeTries - 1; ++i) {
    throttle.failed("10.0.0.1");
    CHECK(throttle.wait_for("10.0.0.1") == 0ms);
  }
  throttle.failed("10.0.0.1");
  CHECK(throttle.wait_for("10.0.0.1") == 1000ms);
  CHECK(throttle.wait_for("10.0.0.2") == 0ms);  // another address is not slowed by one
  throttle.failed("10.0.0.1");
  CHECK(throttle.wait_for("10.0.0.1") == 2000ms);
  for (int i = 0; i < 20; ++i) throttle.failed("10.0.0.1");
  CHECK(throttle.wait_for("10.0.0.1") == std::chrono::duration_cast<Millis>(SignInThrottle::kLongest));
  clock.advance(SignInThrottle::kLongest);
  CHECK(throttle.wait_for("10.0.0.1") == 0ms);
  throttle.succeeded("10.0.0.1");
  throttle.failed("10.0.0.1");
  CHECK(throttle.wait_for("10.0.0.1") == 0ms);
}

TEST_CASE("admin OAuth state: signed, expiring, carrying the intended connection, and a verifier PKCE accepts", "[admin]") {
  ManualClock clock;
  SigningKey key("the-admin-token-0123456789");
  AdminOAuth oauth(key, clock);
  const std::string url = oauth.authorize_url("https://app.hubspot.com/oauth/authorize", "cid", "a b",
                                              "https://hub.example.com/admin/oauth/callback", "portal-42");
  const auto query = http::parse_form(url.substr(url.find('?') + 1));
  const std::string state = query.at("state");
  REQUIRE(oauth.check_state(state) == std::optional<std::string>("portal-42"));
  CHECK(query.at("code_challenge_method") == "S256");
  CHECK(query.at("redirect_uri") == "https://hub.example.com/admin/oauth/callback");
  const std::string verifier = oauth.verifier_for(state);
  CHECK(verifier.size() >= 43);
  CHECK(std::regex_match(verifier, std::regex("[A-Za-z0-9_~.-]+")));
  CHECK(verifier != oauth.verifier_for(state + "x"));

  std::string tampered = state;
  tampered[0] = tampered[0] == 'A' ? 'B' : 'A';
  CHECK_FALSE(oauth.check_state(tampered));
  CHECK_FALSE(oauth.check_state("nothing"));
  clock.advance(AdminOAuth::kStateLifetime + 1s);
  CHECK_FALSE(oauth.check_state(state));
}

TEST_CASE("admin language: Japanese or English by Accept-Language and its q-values", "[admin]") {
  CHECK(language_from("") == Lang::en);
  CHECK(language_from("ja") == Lang::ja);
  CHECK(language_from("ja-JP,ja;q=0.9,en-US;q=0.8") == Lang::ja);
  CHECK(language_from("en-US,en;q=0.9,ja;q=0.8") == Lang::en);
  CHECK(language_from("fr-FR, ja;q=0.5") == Lang::ja);
  CHECK(language_from("en;q=0.2, ja;q=0.7") == Lang::ja);
  CHECK(language_from("jav, de") == Lang::en);  // Javanese is not Japanese
  CHECK(tr(Lang::ja, "Connections") == "接続");
  CHECK(tr(Lang::en, "Connections") == "Connections");
  CHECK(trf(Lang::ja, "{} days", 12) == "12 日");
}

// Every phrase a page passes to tr()/trf() as a literal has its Japanese: the scan reads the
// sources, joining adjacent literals as the compiler does.
TEST_CASE("admin language: every phrase of the pages has its Japanese", "[admin]") {
  std::vector<std::string> missing;
  std::size_t phrases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(hubrules::testing::source_dir() + "/runtime/admin")) {
    if (entry.path().extension() != ".cpp") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    static const std::regex call(R"((?:\btr|\btrf)\([a-z.]*lang, ")");
    for (auto it = std::sregex_iterator(s.begin(), s.end(), call); it != std::sregex_iterator(); ++it) {
      std::size_t at = static_cast<std::size_t>(it->position() + it->length()) - 1;
      std::string phrase;
      while (at < s.size() && s[at] == '"') {
        const auto end = s.find('"', at + 1);
        phrase += s.substr(at + 1, end - at - 1);
        at = s.find_first_not_of(" \n", end + 1);
      }
      ++phrases;
      if (!has_japanese(phrase)) missing.push_back(entry.path().filename().string() + ": " + phrase);
    }
  }
  CHECK(phrases > 50);
  for (const auto& m : missing) UNSCOPED_INFO(m);
  CHECK(missing.empty());
}

TEST_CASE("admin html: values escaped in text and attributes", "[admin]") {
  CHECK(escape("<script>alert('x')</script> & \"q\"") == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
  const std::string form = button_form("/admin/retry", "tok\"en", "Retry", "retry-<id>", {{"event_id", "a\"b"}});
  CHECK(form.find("value=\"tok&quot;en\"") != std::string::npos);
  CHECK(form.find("id=\"retry-&lt;id&gt;\"") != std::string::npos);
  CHECK(form.find("value=\"a&quot;b\"") != std::string::npos);
  CHECK(url_encode("a b/é") == "a%20b%2F%C3%A9");
}

TEST_CASE("admin test booking: a confirmed TimeRex webhook for the integration's calendar", "[admin]") {
  IntegrationView i;
  i.name = "team";
  i.team_url_path = "acme";
  i.calendar_url_path = "demo";
  const std::string json = sample_webhook(i, "hubrules-test-abcdefgh", TimePoint{} + 24h * 365 * 56);
  CHECK(json.find("\"webhook_type\":\"event_confirmed\"") != std::string::npos);
  CHECK(json.find("\"team_url_path\":\"acme\"") != std::string::npos);
  CHECK(json.find("\"calendar_url_path\":\"demo\"") != std::string::npos);
  CHECK(json.find("\"id\":\"hubrules-test-abcdefgh\"") != std::string::npos);
  CHECK(json.find("@example.com") != std::string::npos);
}
