// The error notifier against a real SMTP listener on 127.0.0.1: a scripted server in a thread
// that records what the client sends, with a certificate made at test time for STARTTLS.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include "runtime/base/clock.hpp"
#include "runtime/notify/message.hpp"
#include "runtime/notify/notifier.hpp"
#include "runtime/notify/outbox.hpp"
#include "runtime/notify/smtp.hpp"
#include "runtime/notify/store_notification_log.hpp"
#include "runtime/store/sqlite_state_store.hpp"
#include "tests/fake_smtp_server.hpp"

namespace {

using namespace hubrules::runtime;
using namespace hubrules::runtime::notify;
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;

// 2026-11-27 04:42:00 UTC, a Friday.
const TimePoint kFriday = TimePoint{} + std::chrono::seconds(1795754520);

using hubrules::testing::TestCert;
using namespace hubrules::testing::smtp;

SmtpOptions quick_options(std::string ca = "") {
  SmtpOptions options;
  options.timeout = std::chrono::milliseconds(2000);
  options.extra_ca_pem = std::move(ca);
  return options;
}

const Envelope kEnvelope{"hubrules@example.com", {"admin@example.com"}};

std::string sample_message() {
  EmailMessage m{"hubrules@example.com", {"admin@example.com"}, "予約の送信に失敗しました", "", kFriday, "<1@example.com>"};
  m.body = "first line\n.a line that starts with a dot\n..two dots\nlast line";
  return render_message(m);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const SmtpError& e) {
    return e.what();
  }
  FAIL("no SmtpError thrown");
  return "";
}

fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("hubrules-notify-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<fs::path> eml_files(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::exists(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

NotifierConfig outbox_config(const fs::path& outbox) {
  NotifierConfig config;
  config.outbox_dir = outbox;
  config.from = "hubrules@example.com";
  config.to = {"admin@example.com"};
  return config;
}

FailureReport report_for(const std::string& connection, TimePoint when) {
  return {connection, when, "refresh token rejected (BAD_REFRESH_TOKEN)", 42, "/var/lib/hubrules/state.db", ""};
}

}  // namespace

TEST_CASE("SMTP URLs are parsed with defaults, credentials and the STARTTLS policy", "[notify]") {
  auto url = parse_smtp_url("smtp://mail.example.com");
  CHECK(url.host == "mail.example.com");
  CHECK(url.port == 25);
  CHECK_FALSE(url.implicit_tls);
  CHECK(url.starttls == StartTls::auto_);

  url = parse_smtp_url("smtps://me%40example.com:p%40ss:word@smtp.example.com:2465");
  CHECK(url.implicit_tls);
  CHECK(url.port == 2465);
  CHECK(url.user == "me@example.com");
  CHECK(url.password == "p@ss:word");
  CHECK(url.redacted() == "smtps://me@example.com:***@smtp.example.com:2465");

  CHECK(parse_smtp_url("smtp://h:587?starttls=required").starttls == StartTls::required);
  CHECK(parse_smtp_url("smtp://[::1]:2525?starttls=never").host == "::1");
  CHECK_THROWS_AS(parse_smtp_url("http://h"), SmtpError);
  CHECK_THROWS_AS(parse_smtp_url("smtp://h:99999"), SmtpError);
  CHECK_THROWS_AS(parse_smtp_url("smtp://h?starttls=maybe"), SmtpError);
}

TEST_CASE("Message headers: RFC 2047 subject, RFC 5322 date, quoted-printable UTF-8 body", "[notify]") {
  CHECK(rfc5322_date(kFriday) == "Fri, 27 Nov 2026 04:42:00 +0000");
  std::string id = make_message_id(kFriday, "hubrules@example.com");
  CHECK(id.starts_with("<1795754520."));
  CHECK(id.ends_with("@example.com>"));
  CHECK(id != make_message_id(kFriday, "hubrules@example.com"));
  CHECK(encode_header_text("plain ascii") == "plain ascii");
  CHECK(encode_header_text("a\r\nBcc: x") == "a  Bcc: x");

  std::string japanese = "[hubrules] HubSpot連携エラー / HubSpot posting failed: portal 12345678 です";
  std::string encoded = encode_header_text(japanese);
  std::string decoded;
  std::istringstream lines(encoded);
  for (std::string word; std::getline(lines, word);) {
    if (!word.empty() && word.back() == '\r') word.pop_back();
    if (!word.empty() && word.front() == ' ') word.erase(0, 1);
    CHECK(word.size() + 9 <= 76);
    REQUIRE(word.starts_with("=?UTF-8?B?"));
    REQUIRE(word.ends_with("?="));
    decoded += base64_decode(word.substr(10, word.size() - 12));
  }
  CHECK(decoded == japanese);

  std::string qp = quoted_printable("日本語 " + std::string(100, 'x') + " \nend=");
  CHECK(qp.starts_with("=E6=97=A5=E6=9C=AC=E8=AA=9E x"));
  CHECK(qp.ends_with("=20\r\nend=3D\r\n"));
  std::istringstream qp_lines(qp);
  for (std::string line; std::getline(qp_lines, line);) CHECK(line.size() <= 77);  // 76 + the CR
}

TEST_CASE("The failure email says what failed, how many bookings are kept and what to do", "[notify]") {
  auto report = report_for("portal 12345678", kFriday);
  std::string body = failure_body(report);
  CHECK_THAT(body, Catch::Contains("Connection: portal 12345678"));
  CHECK_THAT(body, Catch::Contains("Fri, 27 Nov 2026 04:42:00 +0000"));
  CHECK_THAT(body, Catch::Contains("BAD_REFRESH_TOKEN"));
  CHECK_THAT(body, Catch::Contains("42 booking(s) are kept"));
  CHECK_THAT(body, Catch::Contains("hubrules connect"));
  CHECK_THAT(body, Catch::Contains("42 件の予約"));
  CHECK_THAT(failure_subject(report), Catch::Contains("portal 12345678"));
}

TEST_CASE("Plain SMTP delivery: command sequence, headers, CRLF and dot-stuffing", "[notify]") {
  FakeSmtpServer server{ServerScript()};
  SmtpSender(parse_smtp_url(server.url()), quick_options()).send(kEnvelope, sample_message());

  CHECK(server.commands() == std::vector<std::string>{"EHLO localhost", "MAIL FROM:<hubrules@example.com>",
                                                      "RCPT TO:<admin@example.com>", "DATA", "QUIT"});
  const std::string& data = server.data();
  CHECK(data.starts_with("From: hubrules@example.com\r\nTo: admin@example.com\r\nSubject: =?UTF-8?B?"));
  CHECK_THAT(data, Catch::Contains("\r\nDate: Fri, 27 Nov 2026 04:42:00 +0000\r\n"));
  CHECK_THAT(data, Catch::Contains("\r\nMessage-ID: <1@example.com>\r\n"));
  CHECK_THAT(data, Catch::Contains("\r\nMIME-Version: 1.0\r\n"));
  CHECK_THAT(data, Catch::Contains("\r\nContent-Type: text/plain; charset=UTF-8\r\n"));
  CHECK_THAT(data, Catch::Contains("\r\nContent-Transfer-Encoding: 7bit\r\n\r\nfirst line\r\n"));
  CHECK_THAT(data, Catch::Contains("\r\n..a line that starts with a dot\r\n...two dots\r\nlast line\r\n.\r\n"));
  CHECK(data.ends_with("last line\r\n.\r\n"));
  for (std::size_t i = 0; i < data.size(); ++i)
    if (data[i] == '\n') REQUIRE((i > 0 && data[i - 1] == '\r'));
  CHECK_FALSE(server.tls_used());
}

TEST_CASE("STARTTLS upgrades when offered and verifies the certificate", "[notify]") {
  SECTION("trusted through the extra CA: EHLO again over TLS, then AUTH PLAIN") {
    FakeSmtpServer server(ServerScript().with_starttls().with_auth("PLAIN LOGIN"));
    SmtpSender(parse_smtp_url(server.url("smtp", "ann:secret@")), quick_options(loopback_cert().cert_pem))
        .send(kEnvelope, sample_message());
    const auto& commands = server.commands();
    REQUIRE(commands.size() == 8);
    CHECK(commands[0] == "EHLO localhost");
    CHECK(commands[1] == "STARTTLS");
    CHECK(commands[2] == "EHLO localhost");
    CHECK(commands[3].starts_with("AUTH PLAIN "));
    CHECK(commands[4] == "MAIL FROM:<hubrules@example.com>");
    CHECK(server.tls_used());
    CHECK(server.data().ends_with("last line\r\n.\r\n"));
  }
  SECTION("untrusted without the extra CA") {
    FakeSmtpServer server(ServerScript().with_starttls());
    auto error = error_of([&] { SmtpSender(parse_smtp_url(server.url()), quick_options()).send(kEnvelope, sample_message()); });
    CHECK_THAT(error, Catch::Contains("TLS handshake") && Catch::Contains("certificate verify failed"));
    CHECK(server.commands() == std::vector<std::string>{"EHLO localhost", "STARTTLS"});
  }
  SECTION("a trusted certificate for another host name is refused") {
    static const TestCert other = make_certificate("DNS:mail.example.org");
    FakeSmtpServer server(ServerScript().with_starttls().with_cert(other));
    auto error = error_of([&] { SmtpSender(parse_smtp_url(server.url()), quick_options(other.cert_pem)).send(kEnvelope, sample_message()); });
    CHECK_THAT(error, Catch::Contains("certificate verify failed"));
  }
  SECTION("starttls=required and the server does not offer it") {
    FakeSmtpServer server{ServerScript()};
    auto error = error_of([&] {
      SmtpSender(parse_smtp_url(server.url("smtp", "", "?starttls=required")), quick_options()).send(kEnvelope, sample_message());
    });
    CHECK_THAT(error, Catch::Contains("does not offer STARTTLS"));
  }
  SECTION("starttls=never stays in plain text") {
    FakeSmtpServer server(ServerScript().with_starttls());
    SmtpSender(parse_smtp_url(server.url("smtp", "", "?starttls=never")), quick_options()).send(kEnvelope, sample_message());
    CHECK_FALSE(server.tls_used());
    CHECK(server.commands().size() == 5);
  }
  SECTION("smtps:// speaks TLS from the first byte") {
    FakeSmtpServer server(ServerScript().tls_from_start());
    SmtpSender(parse_smtp_url(server.url("smtps")), quick_options(loopback_cert().cert_pem)).send(kEnvelope, sample_message());
    CHECK(server.tls_used());
    CHECK(server.commands().front() == "EHLO localhost");
  }
}

TEST_CASE("AUTH PLAIN and LOGIN send the decoded credentials, errors never show the password", "[notify]") {
  SECTION("PLAIN") {
    FakeSmtpServer server(ServerScript().with_auth("LOGIN PLAIN"));
    SmtpSender(parse_smtp_url(server.url("smtp", "ann%40example.com:s%3Acret@")), quick_options()).send(kEnvelope, sample_message());
    const auto& commands = server.commands();
    REQUIRE(commands.size() == 6);
    REQUIRE(commands[1].starts_with("AUTH PLAIN "));
    CHECK(base64_decode(commands[1].substr(11)) == std::string("\0ann@example.com\0s:cret", 23));
  }
  SECTION("LOGIN when PLAIN is not offered") {
    FakeSmtpServer server(ServerScript().with_auth("LOGIN"));
    SmtpSender(parse_smtp_url(server.url("smtp", "ann:secret@")), quick_options()).send(kEnvelope, sample_message());
    const auto& commands = server.commands();
    REQUIRE(commands.size() == 8);
    CHECK(commands[1] == "AUTH LOGIN");
    CHECK(base64_decode(commands[2]) == "ann");
    CHECK(base64_decode(commands[3]) == "secret");
  }
  SECTION("rejected credentials") {
    FakeSmtpServer server(ServerScript().with_auth("PLAIN").reply("AUTH", "535 5.7.8 Authentication credentials invalid"));
    auto error = error_of([&] { SmtpSender(parse_smtp_url(server.url("smtp", "ann:secret@")), quick_options()).send(kEnvelope, sample_message()); });
    CHECK_THAT(error, Catch::Contains("AUTH PLAIN") && Catch::Contains("535 5.7.8 Authentication credentials invalid"));
    CHECK_THAT(error, !Catch::Contains("secret") && !Catch::Contains("c2VjcmV0") && Catch::Contains("ann:***@"));
  }
  SECTION("a server that quotes the credentials back") {
    FakeSmtpServer server(ServerScript().with_auth("LOGIN").reply("AUTH", "535 cannot decode c2VjcmV0 for secret"));
    auto error = error_of([&] { SmtpSender(parse_smtp_url(server.url("smtp", "ann:secret@")), quick_options()).send(kEnvelope, sample_message()); });
    CHECK_THAT(error, Catch::Contains("535 cannot decode *** for ***"));
  }
}

TEST_CASE("SMTP failures carry the server's reply or say what broke", "[notify]") {
  SECTION("a 5xx reply") {
    FakeSmtpServer server(ServerScript().reply("RCPT", "550 5.1.1 <admin@example.com>: Recipient address rejected"));
    auto error = error_of([&] { SmtpSender(parse_smtp_url(server.url()), quick_options()).send(kEnvelope, sample_message()); });
    CHECK_THAT(error, Catch::Contains("RCPT TO <admin@example.com>") &&
                          Catch::Contains("550 5.1.1 <admin@example.com>: Recipient address rejected"));
    CHECK(server.commands().back() == "QUIT");
  }
  SECTION("a multi-line 5xx reply keeps every line") {
    FakeSmtpServer server(ServerScript().reply("MAIL", "554-5.7.1 rejected\r\n554 5.7.1 see https://example.com/policy"));
    auto error = error_of([&] { SmtpSender(parse_smtp_url(server.url()), quick_options()).send(kEnvelope, sample_message()); });
    CHECK_THAT(error, Catch::Contains("554 5.7.1 rejected / 5.7.1 see https://example.com/policy"));
  }
  SECTION("the server closes mid-session") {
    FakeSmtpServer server(ServerScript().closing_on("MAIL"));
    auto error = error_of([&] { SmtpSender(parse_smtp_url(server.url()), quick_options()).send(kEnvelope, sample_message()); });
    CHECK_THAT(error, Catch::Contains("closed the connection"));
  }
  SECTION("a server that never answers times out") {
    FakeSmtpServer server(ServerScript().mute());
    SmtpOptions options = quick_options();
    options.timeout = std::chrono::milliseconds(200);
    auto error = error_of([&] { SmtpSender(parse_smtp_url(server.url()), options).send(kEnvelope, sample_message()); });
    CHECK_THAT(error, Catch::Contains("timed out"));
  }
  SECTION("nothing listens") {
    std::uint16_t port;
    {
      FakeSmtpServer closed(ServerScript().mute());
      port = closed.port();
    }
    auto error = error_of([&] { SmtpSender(parse_smtp_url("smtp://127.0.0.1:" + std::to_string(port)), quick_options()).send(kEnvelope, "x"); });
    CHECK_THAT(error, Catch::Contains("connecting"));
  }
}

TEST_CASE("Without SMTP the email is written to the outbox: a private .eml file", "[notify]") {
  fs::path dir = fresh_dir("outbox");
  ManualClock clock(kFriday);
  MemoryNotificationLog log;
  fs::path outbox = Outbox::beside(dir / "state.db");
  CHECK(outbox == dir / "outbox");
  ErrorNotifier notifier(outbox_config(outbox), log, clock);

  NotifyResult result = notifier.notify_failure(report_for("portal 1", clock.now()));
  REQUIRE(result.outcome == NotifyOutcome::written_to_outbox);
  auto files = eml_files(outbox);
  REQUIRE(files.size() == 1);
  CHECK(files[0] == fs::path(result.detail));
  CHECK(files[0].filename().string().starts_with("20261127T044200Z-"));
  CHECK(files[0].extension() == ".eml");
  std::string text = slurp(files[0]);
  CHECK(text.starts_with("From: hubrules@example.com\r\nTo: admin@example.com\r\nSubject: =?UTF-8?B?"));
  CHECK_THAT(text, Catch::Contains("Content-Transfer-Encoding: quoted-printable\r\n"));
  CHECK_THAT(text, Catch::Contains("Connection: portal 1\r\n"));
  CHECK_THAT(text, Catch::Contains("BAD_REFRESH_TOKEN"));

  struct stat st {};
  REQUIRE(::stat(files[0].c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat(outbox.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(log.entries().size() == 1);
  CHECK(log.entries()[0].connection == "portal 1");

  // The same second twice: two files, and no temporary left behind.
  Outbox box(outbox);
  auto first = box.write("a\r\n", kFriday);
  auto second = box.write("b\r\n", kFriday);
  CHECK(first != second);
  CHECK(slurp(first) == "a\r\n");
  CHECK(slurp(second) == "b\r\n");
  CHECK(eml_files(outbox).size() == 3);
  fs::remove_all(dir);
}

TEST_CASE("At most one error email per connection per week", "[notify]") {
  fs::path dir = fresh_dir("throttle");
  ManualClock clock(kFriday);
  MemoryNotificationLog log;
  ErrorNotifier notifier(outbox_config(dir), log, clock);

  CHECK(notifier.notify_failure(report_for("portal 1", clock.now())).outcome == NotifyOutcome::written_to_outbox);
  clock.advance(std::chrono::hours(5));
  NotifyResult again = notifier.notify_failure(report_for("portal 1", clock.now()));
  CHECK(again.outcome == NotifyOutcome::throttled);
  CHECK_THAT(again.detail, Catch::Contains("Fri, 04 Dec 2026 04:42:00 +0000"));
  CHECK(eml_files(dir).size() == 1);

  // Another connection has its own week.
  CHECK(notifier.notify_failure(report_for("portal 2", clock.now())).outcome == NotifyOutcome::written_to_outbox);
  CHECK(eml_files(dir).size() == 2);

  clock.advance(std::chrono::hours(24 * 6));
  CHECK(notifier.notify_failure(report_for("portal 1", clock.now())).outcome == NotifyOutcome::throttled);
  clock.advance(std::chrono::hours(24 * 2));  // 8 days after the first email
  CHECK(notifier.notify_failure(report_for("portal 1", clock.now())).outcome == NotifyOutcome::written_to_outbox);
  CHECK(notifier.notify_failure(report_for("portal 2", clock.now())).outcome == NotifyOutcome::written_to_outbox);
  CHECK(eml_files(dir).size() == 4);
  CHECK(log.entries().size() == 4);
  fs::remove_all(dir);
}

TEST_CASE("The notifier sends by SMTP, a failed send is reported and not counted", "[notify]") {
  ManualClock clock(kFriday);
  MemoryNotificationLog log;
  NotifierConfig config = outbox_config("");
  config.smtp = quick_options();
  {
    FakeSmtpServer refusing(ServerScript().reply("DATA", "452 4.3.1 Insufficient system storage"));
    config.smtp_url = refusing.url();
    ErrorNotifier notifier(config, log, clock);
    NotifyResult result = notifier.notify_failure(report_for("portal 1", clock.now()));
    CHECK(result.outcome == NotifyOutcome::failed);
    CHECK_THAT(result.detail, Catch::Contains("452 4.3.1 Insufficient system storage"));
    CHECK(log.entries().empty());
  }
  FakeSmtpServer server{ServerScript()};
  config.smtp_url = server.url();
  ErrorNotifier notifier(config, log, clock);
  clock.advance(std::chrono::minutes(10));
  CHECK(notifier.notify_failure(report_for("portal 1", clock.now())).outcome == NotifyOutcome::sent);
  CHECK_THAT(server.data(), Catch::Contains("Connection: portal 1\r\n"));
  CHECK(notifier.notify_failure(report_for("portal 1", clock.now())).outcome == NotifyOutcome::throttled);
  REQUIRE(log.entries().size() == 1);
  CHECK(log.entries()[0].when == kFriday + std::chrono::minutes(10));
  config.smtp_url = "smtp://host:port";
  CHECK_THROWS_AS(ErrorNotifier(config, log, clock), SmtpError);
}

TEST_CASE("Credentials given apart from the URL replace its own", "[notify]") {
  ManualClock clock(kFriday);
  MemoryNotificationLog log;
  NotifierConfig config = outbox_config("");
  config.smtp = quick_options();
  FakeSmtpServer server(ServerScript().with_auth("PLAIN"));
  config.smtp_url = server.url("smtp", "url-user:url-password@");
  config.smtp_user = "ann";
  config.smtp_password = "from-a-file";
  ErrorNotifier notifier(config, log, clock);
  CHECK(notifier.notify_failure(report_for("portal 1", clock.now())).outcome == NotifyOutcome::sent);
  const auto& commands = server.commands();
  REQUIRE(commands.size() > 1);
  CHECK(base64_decode(commands[1].substr(11)) == std::string("\0ann\0from-a-file", 16));

  config.smtp_url = "smtp://127.0.0.1:9";
  config.smtp_user.clear();
  const auto error = error_of([&] { ErrorNotifier(config, log, clock); });
  CHECK_THAT(error, Catch::Contains("no user") && !Catch::Contains("from-a-file"));
}

TEST_CASE("The throttle kept in the state store survives a restart", "[notify]") {
  fs::path dir = fresh_dir("store");
  ManualClock clock(kFriday);
  auto attempt = [&] {
    SqliteStateStore store(dir / "state.db", clock);
    StoreNotificationLog log(store);
    ErrorNotifier notifier(outbox_config(Outbox::beside(dir / "state.db")), log, clock);
    return notifier.notify_failure(report_for("portal 1", clock.now())).outcome;
  };
  {
    SqliteStateStore store(dir / "state.db", clock);
    Connection connection;
    connection.id = "portal 1";
    store.save_connection(connection);
  }
  CHECK(attempt() == NotifyOutcome::written_to_outbox);
  clock.advance(std::chrono::hours(24));
  CHECK(attempt() == NotifyOutcome::throttled);
  clock.advance(std::chrono::hours(24 * 7));
  CHECK(attempt() == NotifyOutcome::written_to_outbox);
  CHECK(eml_files(dir / "outbox").size() == 2);
  fs::remove_all(dir);
}

TEST_CASE("The report's admin address replaces the configured recipients", "[notify]") {
  FakeSmtpServer server{ServerScript()};
  ManualClock clock(kFriday);
  MemoryNotificationLog log;
  NotifierConfig config = outbox_config("");
  config.smtp_url = server.url();
  config.smtp = quick_options();
  ErrorNotifier notifier(config, log, clock);
  FailureReport report = report_for("portal 9", clock.now());
  report.admin_email = "owner@example.jp";
  CHECK(notifier.notify_failure(report).outcome == NotifyOutcome::sent);
  CHECK(server.commands()[2] == "RCPT TO:<owner@example.jp>");
  CHECK_THAT(server.data(), Catch::Contains("\r\nTo: owner@example.jp\r\n"));
}
