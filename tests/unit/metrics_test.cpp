// runtime/base/metrics: the exact text GET /metrics serves for each kind of metric, escaping, name
// checks, histogram buckets at their bounds, and exact totals under concurrent updates. That
// Prometheus itself accepts the text is the `metrics_promtool` test's job (tests/metrics_sample.cpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime/base/metrics.hpp"

using namespace hubrules::runtime::metrics;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("a counter family renders HELP, TYPE and one sample per label values, sorted", "[metrics]") {
  Registry registry;
  auto& requests = registry.counter("http_requests_total", "Requests answered.", {"route", "status"});
  requests.with({"sales", "200"}).inc();
  requests.with({"sales", "200"}).inc(2);
  requests.with({"admin", "500"}).inc();
  CHECK(registry.render() ==
        "# HELP http_requests_total Requests answered.\n"
        "# TYPE http_requests_total counter\n"
        "http_requests_total{route=\"admin\",status=\"500\"} 1\n"
        "http_requests_total{route=\"sales\",status=\"200\"} 3\n");
}

TEST_CASE("with() returns the same child for the same values, from a list or a vector", "[metrics]") {
  Registry registry;
  auto& family = registry.counter("a_total", "A.", {"x"});
  const std::vector<std::string> values{"v"};
  CHECK(&family.with({"v"}) == &family.with(values));
  CHECK(&family.with({"v"}) != &family.with({"w"}));
  CHECK_THROWS_AS(family.with({}), std::invalid_argument);
  CHECK_THROWS_AS(family.with({"v", "extra"}), std::invalid_argument);
}

TEST_CASE("an unlabelled family shows 0 before its first update", "[metrics]") {
  Registry registry;
  registry.counter("started_total", "Starts.");
  registry.gauge("level", "Level.");
  CHECK(registry.render() ==
        "# HELP started_total Starts.\n# TYPE started_total counter\nstarted_total 0\n"
        "# HELP level Level.\n# TYPE level gauge\nlevel 0\n");
}

TEST_CASE("a float counter adds fractions and refuses to go down", "[metrics]") {
  Registry registry;
  auto& busy = registry.float_counter("busy_seconds_total", "Busy time.").with({});
  busy.inc(0.25);
  busy.inc(1.5);
  CHECK(registry.render() == "# HELP busy_seconds_total Busy time.\n# TYPE busy_seconds_total counter\n"
                             "busy_seconds_total 1.75\n");
  CHECK_THROWS_AS(busy.inc(-1), std::invalid_argument);
  CHECK_THROWS_AS(busy.inc(std::nan("")), std::invalid_argument);
  CHECK(busy.value() == 1.75);
}

TEST_CASE("a gauge is set, added to and taken from", "[metrics]") {
  Registry registry;
  auto& open = registry.gauge("connections_open", "Open connections.", {"listener"});
  open.with({"public"}).set(10);
  open.with({"public"}).add(2.5);
  open.with({"public"}).sub(0.5);
  open.with({"admin"}).set(-3);
  CHECK(registry.render() ==
        "# HELP connections_open Open connections.\n# TYPE connections_open gauge\n"
        "connections_open{listener=\"admin\"} -3\n"
        "connections_open{listener=\"public\"} 12\n");
}

TEST_CASE("a histogram renders cumulative buckets, +Inf, _sum and _count", "[metrics]") {
  Registry registry;
  auto& latency = registry.histogram("request_seconds", "Latency.", {0.05, 0.5, 1}, {"route"});
  for (double v : {0.01, 0.3, 0.4, 2.0}) latency.with({"sales"}).observe(v);
  CHECK(registry.render() ==
        "# HELP request_seconds Latency.\n# TYPE request_seconds histogram\n"
        "request_seconds_bucket{route=\"sales\",le=\"0.05\"} 1\n"
        "request_seconds_bucket{route=\"sales\",le=\"0.5\"} 3\n"
        "request_seconds_bucket{route=\"sales\",le=\"1\"} 3\n"
        "request_seconds_bucket{route=\"sales\",le=\"+Inf\"} 4\n"
        "request_seconds_sum{route=\"sales\"} 2.71\n"
        "request_seconds_count{route=\"sales\"} 4\n");
}

TEST_CASE("an unlabelled histogram's buckets carry only le", "[metrics]") {
  Registry registry;
  registry.histogram("size_bytes", "Sizes.", {100}).with({}).observe(100);
  CHECK(registry.render() ==
        "# HELP size_bytes Sizes.\n# TYPE size_bytes histogram\n"
        "size_bytes_bucket{le=\"100\"} 1\nsize_bytes_bucket{le=\"+Inf\"} 1\n"
        "size_bytes_sum 100\nsize_bytes_count 1\n");
}

TEST_CASE("a value equal to a bucket's bound counts in that bucket", "[metrics]") {
  Histogram histogram(default_latency_buckets);
  for (double bound : default_latency_buckets) histogram.observe(bound);
  const std::vector<std::uint64_t> counts = histogram.cumulative_counts();
  REQUIRE(counts.size() == default_latency_buckets.size() + 1);
  for (std::size_t i = 0; i < default_latency_buckets.size(); ++i) CHECK(counts[i] == i + 1);
  CHECK(counts.back() == default_latency_buckets.size());  // nothing above 60

  Histogram edges(std::vector<double>{1.0});
  edges.observe(std::nextafter(1.0, 2.0));  // just above the bound
  edges.observe(-5);                        // below every bound: the first bucket
  edges.observe(std::nan(""));              // only in +Inf, never in a finite bucket
  CHECK(edges.cumulative_counts() == std::vector<std::uint64_t>{1, 3});
  CHECK(edges.count() == 3);
}

TEST_CASE("label values escape backslash, double quote and newline, help escapes backslash and newline",
          "[metrics]") {
  Registry registry;
  auto& family = registry.counter("escapes_total", "Line one\\two\nline \"three\".", {"v"});
  family.with({"a\\b\"c\nd"}).inc();
  CHECK(registry.render() ==
        "# HELP escapes_total Line one\\\\two\\nline \"three\".\n# TYPE escapes_total counter\n"
        "escapes_total{v=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST_CASE("a label value that is not UTF-8 has its bad bytes replaced, the rest kept", "[metrics]") {
  Registry registry;
  auto& family = registry.gauge("names", "Names.", {"v"});
  family.with({"ok \xE6\x97\xA5 bad \xFF \xC0\xAF end"}).set(1);  // \xC0\xAF: an overlong '/'
  CHECK(registry.render() == "# HELP names Names.\n# TYPE names gauge\n"
                             "names{v=\"ok \xE6\x97\xA5 bad \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD end\"} 1\n");

  const std::string replacement = "\xEF\xBF\xBD";
  Registry edges;
  auto& values = edges.gauge("v", "V.", {"v"});
  values.with({"\xED\xA0\x80"}).set(1);       // a surrogate: three bad bytes
  values.with({"cut \xE6\x97"}).set(2);        // a sequence cut short by the end
  values.with({"\xF4\x90\x80\x80"}).set(3);  // above U+10FFFF
  values.with({"\xF0\x9F\x98\x80"}).set(4);  // U+1F600 is fine
  CHECK(edges.render() == "# HELP v V.\n# TYPE v gauge\n"
                          "v{v=\"cut " + replacement + replacement + "\"} 2\n"
                          "v{v=\"" + replacement + replacement + replacement + "\"} 1\n"
                          "v{v=\"" + replacement + replacement + replacement + replacement + "\"} 3\n"
                          "v{v=\"\xF0\x9F\x98\x80\"} 4\n");
  // Values that differ only in bad bytes are one series: Prometheus would refuse two with one name.
  CHECK(&values.with({"\xFF"}) == &values.with({"\xFE"}));
}

TEST_CASE("values are written as Prometheus reads them", "[metrics]") {
  CHECK(format_value(0) == "0");
  CHECK(format_value(-0.0) == "0");
  CHECK(format_value(42) == "42");
  CHECK(format_value(-7) == "-7");
  CHECK(format_value(1e6) == "1000000");  // not 1e+06
  CHECK(format_value(9007199254740992.0) == "9007199254740992");
  CHECK(format_value(0.005) == "0.005");
  CHECK(format_value(0.1) == "0.1");
  CHECK(format_value(2.71) == "2.71");
  CHECK(format_value(1e-7) == "1e-07");
  CHECK(format_value(1e21) == "1e+21");
  CHECK(format_value(inf) == "+Inf");
  CHECK(format_value(-inf) == "-Inf");
  CHECK(format_value(std::nan("")) == "NaN");
  CHECK(std::stod(format_value(0.1 + 0.2)) == 0.1 + 0.2);  // round-trips exactly
}

TEST_CASE("bad names are refused when the family is created", "[metrics]") {
  Registry registry;
  CHECK_THROWS_AS(registry.gauge("", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge("1abc", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge("with-dash", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge("recording:rule", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge("queue_count", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("requests", "h"), std::invalid_argument);  // no _total
  CHECK_THROWS_AS(registry.gauge("queued_total", "h"), std::invalid_argument);  // _total is for counters
  CHECK_THROWS_AS(registry.gauge("queueDepth", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge("g", "h", {"routeName"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge("latency_ms", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge("uptime_SEC", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge("latency_milliseconds", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge("age_hours", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge("body_kilobytes", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge("queue_gauge", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("calls_counter_total", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge("g", "h", {"bad-label"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge("g", "h", {"__reserved"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge("g", "h", {"a", "a"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.histogram("wait_seconds", "h", {1}, {"le"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.histogram("wait_seconds", "h", {1, 1}), std::invalid_argument);
  CHECK_THROWS_AS(registry.histogram("wait_seconds", "h", {2, 1}), std::invalid_argument);
  CHECK_THROWS_AS(registry.histogram("wait_seconds", "h", {1, inf}), std::invalid_argument);
  CHECK(registry.render().empty());  // nothing refused was registered

  CHECK_THROWS_AS(registry.gauge("g", "h", {"le"}), std::invalid_argument);  // promtool: histograms' only
  CHECK_THROWS_AS(registry.gauge("g", "h", {"quantile"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge("g", ""), std::invalid_argument);  // promtool: no help text
  registry.gauge("_ok_Name9", "h", {"_label", "label_2"});
  registry.gauge("decisions_holidays", "h");            // units are whole words, not substrings
  registry.gauge("gauge_readings", "h");                // a type word first is not a type suffix
  CHECK_THROWS_AS(registry.gauge("_ok_Name9", "again"), std::invalid_argument);
}

TEST_CASE("a name a histogram's samples use cannot be taken by another family", "[metrics]") {
  Registry registry;
  registry.histogram("latency", "h", {1});
  CHECK_THROWS_AS(registry.gauge("latency", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.callback_gauge("latency", "h", [] { return 1.0; }), std::invalid_argument);
  registry.gauge("latency_seconds", "h");  // a different name is fine
}

TEST_CASE("callback gauges and collectors are read at scrape time, in registration order", "[metrics]") {
  Registry registry;
  double pending = 3;
  registry.callback_gauge("pending_bookings", "Pending.", [&] { return pending; });
  registry.add_collector([&](Registry::Writer& writer) {
    writer.gauge("bookings", "By state.", {"state"});
    writer.sample({"pending"}, pending);
    writer.sample({"failed"}, 1);
    writer.counter("scrapes_total", "Scrapes.");
    writer.sample(7);
  });
  registry.gauge("after", "Registered last.");
  pending = 5;
  CHECK(registry.render() ==
        "# HELP pending_bookings Pending.\n# TYPE pending_bookings gauge\npending_bookings 5\n"
        "# HELP bookings By state.\n# TYPE bookings gauge\n"
        "bookings{state=\"pending\"} 5\nbookings{state=\"failed\"} 1\n"
        "# HELP scrapes_total Scrapes.\n# TYPE scrapes_total counter\nscrapes_total 7\n"
        "# HELP after Registered last.\n# TYPE after gauge\nafter 0\n");
}

TEST_CASE("a collector's mistakes throw out of render()", "[metrics]") {
  const auto render_with = [](Registry::Collector collect) {
    Registry registry;
    registry.gauge("taken", "h");
    registry.add_collector(std::move(collect));
    return registry.render();
  };
  CHECK_THROWS_AS(render_with([](Registry::Writer& w) { w.sample(1); }), std::invalid_argument);
  CHECK_THROWS_AS(render_with([](Registry::Writer& w) { w.gauge("taken", "h"); }), std::invalid_argument);
  CHECK_THROWS_AS(render_with([](Registry::Writer& w) { w.counter("no_suffix", "h"); }), std::invalid_argument);
  CHECK_THROWS_AS(render_with([](Registry::Writer& w) {
                    w.gauge("g", "h", {"a"});
                    w.sample(1);  // one label value missing
                  }),
                  std::invalid_argument);
  CHECK_THROWS_AS(render_with([](Registry::Writer& w) {
                    w.gauge("twice", "h");
                    w.gauge("twice", "h");
                  }),
                  std::invalid_argument);
  CHECK_NOTHROW(render_with([](Registry::Writer& w) { w.gauge("free", "h"); }));
}

TEST_CASE("concurrent updates and child creation lose nothing", "[metrics]") {
  Registry registry;
  auto& requests = registry.counter("requests_total", "R.", {"worker"});
  auto& shared = registry.counter("shared_total", "S.").with({});
  auto& seconds = registry.float_counter("seconds_total", "S.").with({});
  auto& level = registry.gauge("level", "L.").with({});
  auto& latency = registry.histogram("latency_seconds", "L.", {0.5, 1}).with({});
  constexpr int threads = 4, per_thread = 100000;

  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const std::string mine = std::to_string(t % 2);  // two threads share each child
      for (int i = 0; i < per_thread; ++i) {
        requests.with({mine}).inc();
        shared.inc();
        seconds.inc(0.5);  // sums of halves are exact in a double
        level.add(1);
        latency.observe(i % 2 == 0 ? 0.5 : 2.0);
      }
    });
  }
  // Scrapes while the workers write; Catch2's assertions are for the main thread, so it keeps a flag.
  bool every_scrape_rendered = true;
  std::thread scraper([&] {
    for (int i = 0; i < 20; ++i) every_scrape_rendered = every_scrape_rendered && !registry.render().empty();
  });
  for (auto& worker : workers) worker.join();
  scraper.join();

  CHECK(every_scrape_rendered);
  CHECK(requests.with({"0"}).value() == 2 * per_thread);
  CHECK(requests.with({"1"}).value() == 2 * per_thread);
  CHECK(shared.value() == threads * per_thread);
  CHECK(seconds.value() == threads * per_thread * 0.5);
  CHECK(level.value() == threads * per_thread);
  CHECK(latency.cumulative_counts() ==
        std::vector<std::uint64_t>{threads * per_thread / 2, threads * per_thread / 2, threads * per_thread});
  CHECK(latency.sum() == threads * per_thread / 2 * 2.5);
}
