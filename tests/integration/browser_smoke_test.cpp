// The WebDriver client (tests/browser/) against a real headless chromium: a form served by the
// project's HTTP server is filled in and posted by the browser, and what the server received,
// the page the browser shows, its cookies and its screenshot are checked.
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <string>

#include "runtime/http/form_encoding.hpp"
#include "runtime/http/http_server.hpp"
#include "tests/browser/webdriver.hpp"
#include "tests/test_support.hpp"

namespace {

using namespace hubrules::runtime::http;
using namespace hubrules::testing::browser;
using namespace std::chrono_literals;

constexpr const char* kFormPage = R"(<!doctype html>
<html><head><meta charset="utf-8"><title>Booking form</title></head><body>
<form method="post" action="/submit">
  <input id="name" name="name" value="placeholder">
  <select id="plan" name="plan">
    <option value="free">Free</option><option value="pro">Pro</option><option value="team">Team</option>
  </select>
  <button id="send" type="submit">Send</button>
</form></body></html>)";

// What the browser sent, recorded on the server's io threads and read by the test.
struct Received {
  std::mutex mutex;
  std::string accept_language;
  std::map<std::string, std::string> form;
};

ServerResponse html(const std::string& body) {
  ServerResponse r;
  r.content_type = "text/html; charset=utf-8";
  r.body = body;
  return r;
}

ServerResponse form_page(const ServerRequest& request, Received& received) {
  std::lock_guard lock(received.mutex);
  received.accept_language = std::string(request.header("Accept-Language").value_or(""));
  auto r = html(kFormPage);
  r.headers.emplace_back("Set-Cookie", "hr_session=s1; Path=/; HttpOnly; SameSite=Strict");
  return r;
}

ServerResponse submitted(const ServerRequest& request, Received& received) {
  std::lock_guard lock(received.mutex);
  received.form = parse_form(request.body);
  return html("<!doctype html><html><head><meta charset=\"utf-8\"><title>Thanks</title></head><body><p id=\"result\">" +
              received.form["name"] + " chose " + received.form["plan"] + "</p></body></html>");
}

Handler site(Received& received) {
  return [&received](ServerRequest&& request, Respond respond) {
    if (request.method == "GET" && request.path == "/") return respond(form_page(request, received));
    if (request.method == "POST" && request.path == "/submit") return respond(submitted(request, received));
    ServerResponse missing;
    missing.status = 404;
    respond(missing);
  };
}

bool is_png(const std::string& bytes) { return bytes.rfind("\x89PNG\r\n\x1a\n", 0) == 0; }

}  // namespace

TEST_CASE("a headless chromium fills in and posts a form, in Japanese, with a strict cookie", "[browser]") {
  HUBRULES_BROWSER_OR_SKIP();
  Received received;
  HttpServer server({}, site(received));
  server.start();
  const auto dir = screenshot_dir("browser smoke form");
  ChromeDriver driver(dir / "chromedriver.log");
  BrowserSession browser(driver, {.language = "ja"});

  browser.go(server.url() + "/");
  CHECK(browser.title() == "Booking form");
  CHECK(browser.attribute("#name", "value") == "placeholder");
  CHECK_FALSE(browser.attribute("#name", "disabled").has_value());
  browser.type("#name", "田中 愛子");
  browser.select("#plan", "team");
  browser.click("#send");
  REQUIRE(browser.wait_until([&] { return browser.exists("#result"); }));

  CHECK(browser.url() == server.url() + "/submit");
  CHECK(browser.text("#result") == "田中 愛子 chose team");
  {
    std::lock_guard lock(received.mutex);
    CHECK(received.form["name"] == "田中 愛子");
    CHECK(received.form["plan"] == "team");
    CHECK(received.accept_language == "ja");
  }

  const auto cookies = browser.cookies();
  REQUIRE(cookies.size() == 1);
  CHECK(cookies[0].name == "hr_session");
  CHECK(cookies[0].value == "s1");
  CHECK(cookies[0].http_only);
  CHECK_FALSE(cookies[0].secure);
  CHECK(cookies[0].same_site == "Strict");
  CHECK(cookies[0].path == "/");
  browser.delete_cookies();
  CHECK(browser.cookies().empty());

  browser.set_window_size(800, 600);
  browser.screenshot(dir / "submitted.png");
  CHECK(is_png(hubrules::testing::read_file((dir / "submitted.png").string())));
}

TEST_CASE("the WebDriver client reports a missing element with its selector and page, and driver errors with their code",
          "[browser]") {
  HUBRULES_BROWSER_OR_SKIP();
  Received received;
  HttpServer server({}, site(received));
  server.start();
  ChromeDriver driver(screenshot_dir("browser smoke errors") / "chromedriver.log");
  BrowserSession browser(driver);
  browser.go(server.url() + "/");

  CHECK_FALSE(browser.exists("#nowhere"));
  CHECK_THROWS_WITH(browser.find("#nowhere"), Catch::Contains("#nowhere") && Catch::Contains(server.url() + "/"));
  CHECK_THROWS_WITH(browser.select("#plan", "gold"), Catch::Contains("gold") && Catch::Contains("#plan"));
  CHECK_THROWS_WITH(browser.go("not a url"), Catch::Contains("invalid argument"));
  CHECK_FALSE(browser.wait_until([] { return false; }, 300ms));
  CHECK_THROWS_WITH(browser.wait_until([&] { return !browser.text("#nowhere").empty(); }, 300ms),
                    Catch::Contains("#nowhere"));
}
