// `hubrules serve` as an operator runs it: SIGHUP with a broken rule file keeps the running
// rules (and says so on /readyz and /metrics), SIGTERM mid-delivery exits 0 losing nothing,
// HTTPS with a certificate of its own, and /metrics that Prometheus' promtool accepts.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "tests/process_support.hpp"
#include "tests/test_certificates.hpp"

using namespace hubrules;
using namespace hubrules::testing;

namespace {

std::size_t in_state(const std::string& state, runtime::BookingState s) { return booking_counts(state).at(s); }

bool has_contact(const runtime::Sandbox& crm, const std::string& email) {
  for (const auto& c : crm.state().contacts)
    if (c.property("email") == email) return true;
  return false;
}

// promtool's findings on a metrics text (empty when it accepts it), with its exit status.
std::pair<int, std::string> promtool_check(const TempDir& dir, const std::string& metrics) {
  const auto file = dir.file("metrics.prom").string();
  write_file(file, metrics);
  const std::string command = "/usr/bin/promtool check metrics < '" + file + "' 2>&1";
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string output;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, p)) > 0;) output.append(buffer, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace

TEST_CASE("serve: SIGHUP with a broken rule file keeps the running rules and says why, fixed, it is ready again",
          "[serve][signals]") {
  TempDir dir;
  runtime::Sandbox crm(crash_sandbox_options());
  crm.start();
  const std::string rules = dir.file("timerex.rules").string();
  const std::string good_rules = read_file(source_dir() + "/rules/timerex.rules");
  write_file(rules, good_rules);
  ServeProcess serve(dir, crm.base_url(), dir.file("serve.db").string(), {"--no-portal-schema"}, rules);
  CHECK(http_call(serve.url(), "GET", "/readyz").status == 200);

  write_file(rules, good_rules + "\ncontacts { email = no_such_function(1) }\n");
  serve.signal(SIGHUP);
  REQUIRE(eventually([&] { return http_call(serve.url(), "GET", "/readyz").status == 503; }, 10s));
  const auto readyz = http_call(serve.url(), "GET", "/readyz");
  INFO("/readyz: " << readyz.body);
  CHECK(readyz.body.find("the last reload failed") != std::string::npos);
  CHECK(readyz.body.find(rules) != std::string::npos);
  CHECK(http_call(serve.url(), "GET", "/metrics").body.find("\nhubrules_reload_failed 1\n") != std::string::npos);

  // Still serving, with the earlier plan.
  CHECK(post_webhook(serve.url(), booking("hup-1", "during@reload.co.jp", "Reload KK")).status == 200);
  CHECK(eventually([&] { return has_contact(crm, "during@reload.co.jp"); }, 20s));

  write_file(rules, good_rules);
  serve.signal(SIGHUP);
  CHECK(eventually([&] { return http_call(serve.url(), "GET", "/readyz").status == 200; }, 10s));
  CHECK(http_call(serve.url(), "GET", "/metrics").body.find("\nhubrules_reload_failed 0\n") != std::string::npos);
  CHECK(post_webhook(serve.url(), booking("hup-2", "after@reload.co.jp", "Reload KK")).status == 200);
  CHECK(eventually([&] { return has_contact(crm, "after@reload.co.jp"); }, 20s));
}

TEST_CASE("serve: SIGTERM mid-delivery exits 0, acknowledged bookings are delivered or pending, then delivered once",
          "[serve][signals]") {
  TempDir dir;
  const auto bookings = many_bookings(300, "term-");
  const auto expected = clean_picture(dir, bookings, crash_sandbox_options());
  runtime::Sandbox crm(crash_sandbox_options());
  crm.start();
  const std::string state = dir.file("serve.db").string();
  auto serve = std::make_unique<ServeProcess>(dir, crm.base_url(), state, std::vector<std::string>{"--no-portal-schema"});
  SharedUrl target;
  target.set(serve->url());
  WebhookSender sender(bookings, [&] { return target.get(); });
  sender.start();

  // Webhooks still arriving and bookings being delivered when the signal comes.
  REQUIRE(eventually([&] { return sender.acknowledged() >= 150 && !crm.state().contacts.empty(); }, 30s, 5ms));
  serve->signal(SIGTERM);
  const auto status = serve->wait_within(40s);
  REQUIRE(status.has_value());
  CHECK(*status == 0);
  target.set("");
  const auto acknowledged = sender.acknowledged();
  const auto counts = booking_counts(state);
  INFO("acknowledged " << acknowledged << ", delivered " << counts.at(runtime::BookingState::delivered) << ", pending "
                       << counts.at(runtime::BookingState::pending));
  CHECK(counts.at(runtime::BookingState::delivered) + counts.at(runtime::BookingState::pending) >= acknowledged);
  CHECK(counts.at(runtime::BookingState::failed) == 0);
  CHECK(counts.at(runtime::BookingState::delivered) < bookings.size());  // it really stopped mid-way

  serve = std::make_unique<ServeProcess>(dir, crm.base_url(), state, std::vector<std::string>{"--no-portal-schema"});
  target.set(serve->url());
  REQUIRE(eventually([&] { return sender.done(); }, 60s));
  const bool drained = eventually([&] { return in_state(state, runtime::BookingState::pending) == 0; }, 20s, 200ms);
  INFO(serve->stderr_text());
  REQUIRE(drained);
  CHECK(in_state(state, runtime::BookingState::delivered) == bookings.size());
  const auto got = picture(crm.state());
  CHECK(got == expected);
  CHECK(nothing_twice(got));
}

TEST_CASE("serve: HTTPS with --tls-cert and --tls-key", "[serve][tls]") {
  TempDir dir;
  runtime::Sandbox crm(crash_sandbox_options());
  crm.start();
  const auto cert = make_test_certificate("localhost", "DNS:localhost,IP:127.0.0.1");
  write_file(dir.file("cert.pem").string(), cert.cert_pem);
  write_file(dir.file("key.pem").string(), cert.key_pem);
  std::filesystem::permissions(dir.file("key.pem"), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  ServeProcess serve(dir, crm.base_url(), dir.file("serve.db").string(),
                     {"--no-portal-schema", "--tls-cert", dir.file("cert.pem").string(), "--tls-key",
                      dir.file("key.pem").string()});
  REQUIRE(serve.url().starts_with("https://127.0.0.1:"));

  const auto answer = http_call(serve.url(), "POST", "/webhooks/timerex", booking("tls-1", "secure@tls.co.jp", "TLS KK"),
                                {{"x-timerex-authorization", kWebhookSecret}}, {cert.cert_pem});
  CHECK(answer.status == 200);
  CHECK(answer.body.find("\"journaled\"") != std::string::npos);
  // Without trusting the certificate there is no answer at all.
  CHECK(post_webhook(serve.url(), booking("tls-2", "untrusted@tls.co.jp")).status == 0);
  // Plain HTTP on the TLS port is not served either.
  CHECK(post_webhook("http" + serve.url().substr(5), booking("tls-3", "plain@tls.co.jp")).status != 200);
  CHECK(eventually([&] { return has_contact(crm, "secure@tls.co.jp"); }, 20s));
}

TEST_CASE("serve: /metrics after traffic of every kind passes promtool check metrics", "[serve][metrics]") {
  TempDir dir;
  runtime::Sandbox crm(crash_sandbox_options());
  crm.start();
  ServeProcess serve(dir, crm.base_url(), dir.file("serve.db").string(), {"--no-portal-schema"});
  const auto good = booking("metrics-1", "metrics@prom.co.jp", "Prom KK");
  CHECK(post_webhook(serve.url(), good).status == 200);                                                    // journaled
  CHECK(post_webhook(serve.url(), good).status == 200);                                                    // duplicate
  CHECK(post_webhook(serve.url(), booking("metrics-2", "x@prom.co.jp", "", "event_cancelled")).status == 200);  // skipped
  CHECK(post_webhook(serve.url(), "not json").status == 400);                                              // dead letter
  CHECK(post_webhook(serve.url(), good, "wrong").status == 401);                                           // unauthorized
  CHECK(post_webhook(serve.url(), good, kWebhookSecret, "/webhooks/timerex/none").status == 404);          // not found
  CHECK(post_webhook(serve.url(), std::string((1 << 20) + 1, 'x')).status == 413);                         // too large
  REQUIRE(eventually([&] { return has_contact(crm, "metrics@prom.co.jp"); }, 20s));

  const auto metrics = http_call(serve.url(), "GET", "/metrics");
  REQUIRE(metrics.status == 200);
  INFO(metrics.body);
  for (const char* result : {"journaled", "duplicate", "skipped", "dead_letter", "unauthorized", "not_found"})
    CHECK(metrics.body.find(std::string("result=\"") + result + "\"") != std::string::npos);
  CHECK(metrics.body.find("hubrules_hubspot_requests_total{") != std::string::npos);
  CHECK(metrics.body.find("hubrules_bookings_finished_total{") != std::string::npos);
  const auto [status, findings] = promtool_check(dir, metrics.body);
  INFO("promtool: " << findings);
  CHECK(status == 0);
  CHECK(findings.empty());
}
