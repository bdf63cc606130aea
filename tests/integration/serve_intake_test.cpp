// `hubrules serve`'s webhook intake, as a process on a real socket: every bad input gets its
// status, the unreadable ones are kept as dead letters (bytes and reason), nothing is stored
// for a wrong secret, and the good bookings around them all reach HubSpot exactly once.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <future>

#include "tests/process_support.hpp"

using namespace hubrules;
using namespace hubrules::testing;

namespace {

unsigned short port_of(const std::string& url) { return static_cast<unsigned short>(std::stoi(url.substr(url.rfind(':') + 1))); }

// Sends half a request's headers and stalls; returns how long the server took to close the
// connection (or nullopt when it was still open after `patience`).
std::optional<std::chrono::milliseconds> stall_after_half_headers(unsigned short port, std::chrono::seconds patience) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  const auto started = std::chrono::steady_clock::now();
  const std::string half = "POST /webhooks/timerex HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: applic";
  (void)!::send(fd, half.data(), half.size(), MSG_NOSIGNAL);
  timeval tv{static_cast<time_t>(patience.count()), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buffer[512];
  std::optional<std::chrono::milliseconds> closed_after;
  while (true) {
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) continue;  // a 408 may come before the close
    if (n == 0 || errno == ECONNRESET)
      closed_after = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    break;
  }
  ::close(fd);
  return closed_after;
}

}  // namespace

TEST_CASE("serve: every bad webhook gets its status, unreadable ones become dead letters, good ones are delivered once",
          "[serve]") {
  TempDir dir;
  runtime::Sandbox sandbox(crash_sandbox_options());
  sandbox.start();
  const std::string state = dir.file("serve.db").string();
  ServeProcess serve(dir, sandbox.base_url(), state, {"--no-portal-schema"});

  // The header timeout is 10 s (no flag lowers it): the stalled client runs beside the rest.
  auto stalled = std::async(std::launch::async, [&] { return stall_after_half_headers(port_of(serve.url()), 14s); });

  const auto good = many_bookings(4, "intake-");
  CHECK(post_webhook(serve.url(), good[0]).status == 200);

  const auto missing = http_call(serve.url(), "POST", "/webhooks/timerex", good[1]);
  CHECK(missing.status == 401);
  CHECK(post_webhook(serve.url(), good[1], "wrong-secret").status == 401);
  CHECK(post_webhook(serve.url(), good[1], kWebhookSecret, "/webhooks/timerex/nobody").status == 404);
  CHECK(http_call(serve.url(), "GET", "/webhooks/timerex", "", {{"x-timerex-authorization", kWebhookSecret}}).status == 405);
  CHECK(post_webhook(serve.url(), std::string((1 << 20) + 1, 'x')).status == 413);
  CHECK(post_webhook(serve.url(), good[1]).status == 200);

  const std::string not_json = "this is not json at all";
  const std::string not_utf8 = "{\"webhook_type\":\"event_confirmed\",\"event\":{\"id\":\"bad-\xff\xfe\"}}";
  const std::string no_event_id = R"({"webhook_type":"event_confirmed","event":{"form":[]}})";
  for (const auto& body : {not_json, not_utf8, no_event_id}) {
    const auto answer = post_webhook(serve.url(), body);
    INFO(body << " -> " << answer.body);
    CHECK(answer.status == 400);
  }
  CHECK(post_webhook(serve.url(), good[2]).status == 200);
  CHECK(post_webhook(serve.url(), good[3]).status == 200);

  // The same booking again: acknowledged, nothing changes.
  const auto again = post_webhook(serve.url(), good[0]);
  CHECK(again.status == 200);
  CHECK(again.body.find("already journaled") != std::string::npos);

  CHECK(eventually([&] { return sandbox.state().contacts.size() >= 4; }, 30s));
  std::this_thread::sleep_for(1500ms);  // a duplicate delivery would show by now
  const auto crm = sandbox.state();
  CHECK(crm.contacts.size() == 4);
  CHECK(nothing_twice(picture(crm)));

  {
    runtime::SqliteStateStore store(state);
    const auto counts = store.count_by_state();
    std::size_t journaled = 0;
    for (const auto& [s, n] : counts) journaled += n;
    CHECK(journaled == 4);  // the 401s, 404, 405 and 413 kept nothing
    CHECK(counts.at(runtime::BookingState::delivered) == 4);
    const auto letters = store.dead_letters(100);
    REQUIRE(letters.size() == 3);
    // Newest first.
    CHECK(letters[2].body == not_json);
    CHECK(letters[1].body == not_utf8);
    CHECK(letters[0].body == no_event_id);
    for (const auto& l : letters) {
      CHECK(l.integration == runtime::kDefaultIntegration);
      CHECK_FALSE(l.reason.empty());
    }
    CHECK(letters[0].reason.find("event.id") != std::string::npos);
  }

  const auto closed_after = stalled.get();
  REQUIRE(closed_after.has_value());
  CHECK(*closed_after >= 9s);
  CHECK(*closed_after <= 12s);
}
