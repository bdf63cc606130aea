#pragma once
// A small W3C WebDriver client for the [browser] tests: Debian's chromium, headless, driven
// through chromedriver over the project's own HTTP client. Only what the tests need: navigate,
// find by CSS, click, type, read text and attributes, cookies, screenshots. See README.md.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/http/http_client.hpp"

namespace hubrules::testing::browser {

// True when both chromium and chromedriver are found (PATH, then /usr/bin). Tests skip with a
// message otherwise; scripts/install-deps.sh installs both.
bool browser_available();

// The start of every [browser] test: without chromium or chromedriver it says so and ends the
// test (Catch2 2 has no SKIP), so a machine without them still runs the rest.
#define HUBRULES_BROWSER_OR_SKIP()                                                                  \
  if (!::hubrules::testing::browser::browser_available()) {                                        \
    WARN("SKIPPED: chromium or chromedriver not found; scripts/install-deps.sh installs them");    \
    return;                                                                                         \
  }

// Where a test's screenshots go: browser-screenshots/<test name> under the working directory
// (ctest runs the [browser] tests in build/tests), created on demand. Characters that do not
// belong in a folder name become '-'.
std::filesystem::path screenshot_dir(const std::string& test_name);

// An error answer of the WebDriver endpoint: what() holds the request, the error code and the
// message; code() is the code alone ("no such element", "invalid argument", …).
class WebDriverError : public std::runtime_error {
 public:
  WebDriverError(std::string code, const std::string& what) : std::runtime_error(what), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// `chromedriver --port=P` as a child process, ready (GET /status) once constructed; killed with
// the browsers it started when destroyed.
class ChromeDriver {
 public:
  // chromedriver writes its log to `log_path`, and its console output beside it (`.console`).
  explicit ChromeDriver(const std::filesystem::path& log_path);
  ~ChromeDriver();
  ChromeDriver(const ChromeDriver&) = delete;
  ChromeDriver& operator=(const ChromeDriver&) = delete;

  const std::string& url() const { return url_; }  // http://127.0.0.1:PORT

 private:
  bool start_on_free_port(const std::filesystem::path& log_path);
  bool wait_ready();
  void kill_all();

  pid_t pid_ = 0;
  std::string url_;
};

struct BrowserOptions {
  std::string language = "en";  // --lang and the Accept-Language header
  int width = 1280;
  int height = 900;
  bool phone = false;  // width × height as a phone's screen (touch, pixel ratio 2)
};

struct Cookie {
  std::string name;
  std::string value;
  bool http_only = false;
  bool secure = false;
  std::string same_site;  // "Strict", "Lax" or "None", as the browser reports it
  std::string path;
};

// One browser (a WebDriver session) of a ChromeDriver, deleted when destroyed. Every method
// throws WebDriverError when the driver answers with an error.
class BrowserSession {
 public:
  explicit BrowserSession(ChromeDriver& driver, BrowserOptions options = {});
  ~BrowserSession();
  BrowserSession(const BrowserSession&) = delete;
  BrowserSession& operator=(const BrowserSession&) = delete;

  void go(const std::string& url);  // returns once the page has loaded
  std::string url();
  std::string title();
  std::string page_source();

  // The element id of the first match; throws std::runtime_error naming `css` and the current
  // URL when nothing matches.
  std::string find(const std::string& css);
  bool exists(const std::string& css);
  void click(const std::string& css);
  void type(const std::string& css, const std::string& text);  // clears the field first
  std::string text(const std::string& css);                    // the rendered text
  std::optional<std::string> attribute(const std::string& css, const std::string& name);  // nullopt: absent
  void select(const std::string& css, const std::string& value);  // clicks the <option value=…>

  // The page as a PNG file at `path`, its folders created.
  void screenshot(const std::filesystem::path& path);
  void set_window_size(int width, int height);
  // A number the page works out, e.g. "return document.documentElement.scrollWidth" (layout
  // checks: the page itself uses no script).
  double number_from_script(const std::string& script);
  std::vector<Cookie> cookies();
  void delete_cookies();

  // Polls `predicate` until it holds (true) or `timeout` passed (false). A predicate that throws
  // counts as "not yet" (the page may be between two loads); if it still throws at the end, that
  // error is thrown.
  [[nodiscard]] bool wait_until(const std::function<bool()>& predicate,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  std::string session_path(const std::string& rest) const { return "/session/" + id_ + rest; }
  std::string element_path(const std::string& css, const std::string& rest) {
    return session_path("/element/" + find(css) + rest);
  }

  std::unique_ptr<runtime::http::HttpClient> client_;
  std::string id_;
};

}  // namespace hubrules::testing::browser
