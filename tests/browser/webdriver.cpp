#include "tests/browser/webdriver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/socket.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "runtime/base/json_out.hpp"
#include "tests/process_support.hpp"

namespace hubrules::testing::browser {
namespace {

using runtime::JsonOut;
using runtime::http::HttpClient;
using runtime::http::HttpRequest;

// The key under which W3C WebDriver hands out element references.
constexpr const char* kElementKey = "element-6066-11e4-a52e-4f735466cecf";

// `name` on PATH, else in /usr/bin (ctest may run with a PATH that lacks it); "" when neither.
std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "";
  dirs += ":/usr/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

// A port nobody listens on now. chromedriver cannot report a port of its own choosing, so the
// port is picked here; the short race with another process is handled by retrying.
unsigned short free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  if (!bound) throw std::runtime_error("chromedriver: no free port on 127.0.0.1");
  return ntohs(address.sin_port);
}

pid_t spawn_program(const std::vector<std::string>& args, const std::string& console_file) {
  std::vector<std::string> argv_text = args;
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, console_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  // A process group of its own: chromium's processes stay in it, also once orphaned (they outlive
  // a killed chromedriver), so one kill of the group reaches them all.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &files, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
  return pid;
}

// A driver's answer: `value` points into the parser's document, which stays where it is (on the
// heap) when the reply is moved.
struct Reply {
  std::unique_ptr<simdjson::dom::parser> parser = std::make_unique<simdjson::dom::parser>();
  simdjson::dom::element value;
};

std::string string_field(simdjson::dom::element e, const char* key) {
  std::string_view s;
  return e[key].get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
}

bool bool_field(simdjson::dom::element e, const char* key) {
  bool b = false;
  return e[key].get(b) == simdjson::SUCCESS && b;
}

// One WebDriver command. An error answer ({"value": {"error", "message"}}) throws WebDriverError
// naming the command, so a failing test says which step failed and why.
Reply command(HttpClient& client, const std::string& method, const std::string& path, const std::string& body = "") {
  HttpRequest request;
  request.method = method;
  request.target = path;
  if (method == "POST") {
    request.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    request.body = body.empty() ? "{}" : body;  // chromedriver refuses a POST without a JSON body
  }
  const auto answer = client.send(request);
  const std::string where = method + " " + path;
  Reply reply;
  simdjson::dom::element document;
  if (reply.parser->parse(answer.body).get(document) != simdjson::SUCCESS ||
      document["value"].get(reply.value) != simdjson::SUCCESS)
    throw WebDriverError("unreadable answer",
                         where + ": HTTP " + std::to_string(answer.status) + ": " + answer.body.substr(0, 300));
  if (answer.status != 200 || !string_field(reply.value, "error").empty()) {
    const std::string code = string_field(reply.value, "error");
    throw WebDriverError(code, where + ": " + code + ": " + string_field(reply.value, "message"));
  }
  return reply;
}

std::string string_of(const Reply& reply) {
  std::string_view s;
  if (reply.value.get(s) != simdjson::SUCCESS)
    throw WebDriverError("unexpected answer", "expected a string, got " + simdjson::to_string(reply.value));
  return std::string(s);
}

std::string element_id(simdjson::dom::element e) {
  const std::string id = string_field(e, kElementKey);
  if (id.empty()) throw WebDriverError("unexpected answer", "no element reference in " + simdjson::to_string(e));
  return id;
}

std::string find_body(const std::string& css) {
  return JsonOut().begin_object().field("using", "css selector").field("value", css).end_object().take();
}

// `value` as a quoted CSS string, so any option value can be matched.
std::string css_string(const std::string& value) {
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string new_session_body(const BrowserOptions& o) {
  JsonOut j;
  j.begin_object().key("capabilities").begin_object().key("alwaysMatch").begin_object();
  j.field("browserName", "chrome").key("goog:chromeOptions").begin_object();
  j.field("binary", find_program("chromium")).key("args").begin_array();
  for (const std::string arg : {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"})
    j.string(arg);
  j.string("--window-size=" + std::to_string(o.width) + "," + std::to_string(o.height));
  j.string("--lang=" + o.language).end_array();
  // --lang alone sets the UI language; the Accept-Language header follows this preference.
  j.key("prefs").begin_object().field("intl.accept_languages", o.language).end_object();
  // A window cannot be narrower than 500 px; a phone's viewport comes from device emulation.
  if (o.phone)
    j.key("mobileEmulation").begin_object().key("deviceMetrics").begin_object().field("width", o.width)
        .field("height", o.height).field("pixelRatio", 2).field("touch", true).end_object().end_object();
  j.end_object().end_object().end_object().end_object();
  return j.take();
}

std::string decode_base64(const std::string& text) {
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0 || text.size() % 4 != 0) throw std::runtime_error("screenshot: the driver's base64 does not decode");
  // EVP_DecodeBlock counts the padding as decoded zero bytes.
  std::size_t padding = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++padding;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

}  // namespace

bool browser_available() { return !find_program("chromium").empty() && !find_program("chromedriver").empty(); }

std::filesystem::path screenshot_dir(const std::string& test_name) {
  std::string folder = test_name;
  for (char& c : folder)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '-';
  const auto dir = std::filesystem::path("browser-screenshots") / folder;
  std::filesystem::create_directories(dir);
  return dir;
}

// ---- ChromeDriver

ChromeDriver::ChromeDriver(const std::filesystem::path& log_path) {
  if (log_path.has_parent_path()) std::filesystem::create_directories(log_path.parent_path());
  for (int attempt = 0; attempt < 3; ++attempt)
    if (start_on_free_port(log_path)) return;
  throw std::runtime_error("chromedriver did not get ready; see " + log_path.string() + " and its .console file:\n" +
                           read_file(log_path.string() + ".console"));
}

ChromeDriver::~ChromeDriver() { kill_all(); }

bool ChromeDriver::start_on_free_port(const std::filesystem::path& log_path) {
  const std::string port = std::to_string(free_port());
  pid_ = spawn_program({find_program("chromedriver"), "--port=" + port, "--log-path=" + log_path.string()},
                       log_path.string() + ".console");
  url_ = "http://127.0.0.1:" + port;
  if (wait_ready()) return true;
  kill_all();
  return false;
}

// Until GET /status says ready (true), the process ends (the port was taken) or 30 s pass.
bool ChromeDriver::wait_ready() {
  bool ready = false;
  eventually(
      [&] {
        if (wait_exit_within(pid_, 0ms)) {
          pid_ = 0;
          return true;
        }
        const auto status = http_call(url_, "GET", "/status");
        simdjson::dom::parser parser;
        simdjson::dom::element value;
        ready = status.status == 200 && parser.parse(status.body)["value"].get(value) == simdjson::SUCCESS &&
                bool_field(value, "ready");
        return ready;
      },
      30s, 100ms);
  return ready;
}

// SIGKILL to the driver's process group, the browsers it started included: a test that failed
// half-way must not leave a chromium behind (sessions are normally deleted first, so usually only
// the driver is left).
void ChromeDriver::kill_all() {
  if (pid_ == 0) return;
  ::kill(-pid_, SIGKILL);
  wait_exit(pid_);
  pid_ = 0;
}

// ---- BrowserSession

BrowserSession::BrowserSession(ChromeDriver& driver, BrowserOptions options) {
  runtime::http::HttpClientOptions o;
  o.base_url = driver.url();
  o.connect_timeout = 5s;
  o.request_timeout = 90s;  // starting chromium on a loaded two-core machine can take a while
  client_ = std::make_unique<HttpClient>(o);
  const auto reply = command(*client_, "POST", "/session", new_session_body(options));
  id_ = string_field(reply.value, "sessionId");
  if (id_.empty()) throw WebDriverError("unexpected answer", "no sessionId in " + simdjson::to_string(reply.value));
}

BrowserSession::~BrowserSession() {
  try {
    command(*client_, "DELETE", session_path(""));
  } catch (const std::exception&) {
    // The driver is gone or the browser crashed: ChromeDriver's destructor kills what is left.
  }
}

void BrowserSession::go(const std::string& url) {
  command(*client_, "POST", session_path("/url"), JsonOut().begin_object().field("url", url).end_object().take());
}

std::string BrowserSession::url() { return string_of(command(*client_, "GET", session_path("/url"))); }
std::string BrowserSession::title() { return string_of(command(*client_, "GET", session_path("/title"))); }
std::string BrowserSession::page_source() { return string_of(command(*client_, "GET", session_path("/source"))); }

std::string BrowserSession::find(const std::string& css) {
  try {
    return element_id(command(*client_, "POST", session_path("/element"), find_body(css)).value);
  } catch (const WebDriverError& e) {
    if (e.code() != "no such element") throw;
    throw std::runtime_error("no element matches `" + css + "` on " + url());
  }
}

bool BrowserSession::exists(const std::string& css) {
  const auto reply = command(*client_, "POST", session_path("/elements"), find_body(css));
  simdjson::dom::array matches;
  return reply.value.get(matches) == simdjson::SUCCESS && matches.size() > 0;
}

void BrowserSession::click(const std::string& css) { command(*client_, "POST", element_path(css, "/click")); }

void BrowserSession::type(const std::string& css, const std::string& text) {
  const std::string id = find(css);
  command(*client_, "POST", session_path("/element/" + id + "/clear"));
  command(*client_, "POST", session_path("/element/" + id + "/value"),
          JsonOut().begin_object().field("text", text).end_object().take());
}

std::string BrowserSession::text(const std::string& css) {
  return string_of(command(*client_, "GET", element_path(css, "/text")));
}

std::optional<std::string> BrowserSession::attribute(const std::string& css, const std::string& name) {
  const auto reply = command(*client_, "GET", element_path(css, "/attribute/" + name));
  if (reply.value.is_null()) return std::nullopt;
  return string_of(reply);
}

void BrowserSession::select(const std::string& css, const std::string& value) {
  const std::string option_css = "option[value=" + css_string(value) + "]";
  try {
    const auto option = command(*client_, "POST", element_path(css, "/element"), find_body(option_css));
    command(*client_, "POST", session_path("/element/" + element_id(option.value) + "/click"));
  } catch (const WebDriverError& e) {
    if (e.code() != "no such element") throw;
    throw std::runtime_error("`" + css + "` has no " + option_css + " on " + url());
  }
}

void BrowserSession::screenshot(const std::filesystem::path& path) {
  const std::string png = decode_base64(string_of(command(*client_, "GET", session_path("/screenshot"))));
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  write_file(path.string(), png);
}

void BrowserSession::set_window_size(int width, int height) {
  command(*client_, "POST", session_path("/window/rect"),
          JsonOut().begin_object().field("width", width).field("height", height).end_object().take());
}

double BrowserSession::number_from_script(const std::string& script) {
  const auto reply = command(*client_, "POST", session_path("/execute/sync"),
                             JsonOut().begin_object().field("script", script).key("args").begin_array().end_array()
                                 .end_object().take());
  double number = 0;
  if (reply.value.get(number) != simdjson::SUCCESS)
    throw WebDriverError("unexpected answer", "expected a number from the script, got " + simdjson::to_string(reply.value));
  return number;
}

std::vector<Cookie> BrowserSession::cookies() {
  const auto reply = command(*client_, "GET", session_path("/cookie"));
  simdjson::dom::array all;
  if (reply.value.get(all) != simdjson::SUCCESS)
    throw WebDriverError("unexpected answer", "expected the cookies, got " + simdjson::to_string(reply.value));
  std::vector<Cookie> out;
  for (const auto c : all)
    out.push_back({string_field(c, "name"), string_field(c, "value"), bool_field(c, "httpOnly"),
                   bool_field(c, "secure"), string_field(c, "sameSite"), string_field(c, "path")});
  return out;
}

void BrowserSession::delete_cookies() { command(*client_, "DELETE", session_path("/cookie")); }

bool BrowserSession::wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::exception_ptr failure;
    try {
      if (predicate()) return true;
    } catch (const std::runtime_error&) {
      failure = std::current_exception();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      if (failure) std::rethrow_exception(failure);
      return false;
    }
    std::this_thread::sleep_for(100ms);
  }
}

}  // namespace hubrules::testing::browser
