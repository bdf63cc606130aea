// Prints a metrics exposition with every kind of metric and awkward label values and help texts,
// for the `metrics_promtool` test: `promtool check metrics` must accept it, lint included.
#include <cmath>
#include <iostream>
#include <limits>

#include "runtime/base/metrics.hpp"

using namespace hubrules::runtime::metrics;

namespace {

void fill_instrumented(Registry& registry) {
  auto& requests = registry.counter("hubrules_http_requests_total", "HTTP requests answered.\nBy route and status.",
                                    {"route", "status"});
  requests.with({"/webhooks/timerex", "200"}).inc(1234);
  requests.with({"a \"quoted\" \\ back\\slashed\nnewline route", "500"}).inc();
  requests.with({"日本語ラベル", "202"}).inc(2);
  requests.with({"not utf-8: \xff\xfe", "400"}).inc(3);
  requests.with({"", "404"});  // an empty value, never incremented

  registry.float_counter("hubrules_delivery_busy_seconds_total", "Time spent delivering (C:\\hubrules\\).")
      .with({})
      .inc(12.625);

  auto& connections = registry.gauge("hubrules_http_connections", "Open connections.", {"listener"});
  connections.with({"public"}).set(3);
  connections.with({"big"}).set(1e21);
  connections.with({"tiny"}).set(1e-7);
  connections.with({"up"}).set(std::numeric_limits<double>::infinity());
  connections.with({"down"}).set(-std::numeric_limits<double>::infinity());
  connections.with({"unknown"}).set(std::nan(""));

  auto& latency = registry.histogram("hubrules_http_request_duration_seconds", "Time to answer a request.",
                                     default_latency_buckets, {"route"});
  for (double seconds : {0.001, 0.005, 0.2, 1.0, 59.0, 61.0}) latency.with({"/webhooks/timerex"}).observe(seconds);
  latency.with({"/metrics"});  // a histogram with no observations yet
  registry.histogram("hubrules_payload_bytes", "Webhook body sizes.", {100, 1000, 10000}).with({}).observe(512);
}

void fill_scraped(Registry& registry) {
  registry.callback_gauge("hubrules_store_pending_bookings", "Bookings journaled, not yet delivered.",
                          [] { return 42.0; });
  registry.add_collector([](Registry::Writer& writer) {
    writer.gauge("hubrules_store_bookings", "Bookings in the journal by state.", {"state"});
    writer.sample({"pending"}, 42);
    writer.sample({"failed"}, 0);
    writer.counter("hubrules_store_migrations_total", "Schema migrations applied.");
    writer.sample(4);
  });
}

}  // namespace

int main() {
  Registry registry;
  fill_instrumented(registry);
  fill_scraped(registry);
  std::cout << registry.render();
  return std::cout.good() ? 0 : 1;
}
