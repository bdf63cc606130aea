#include "runtime/serve/service_metrics.hpp"

namespace hubrules::runtime::serve {

ServiceMetrics::ServiceMetrics()
    : webhooks(registry.counter("hubrules_webhooks_total",
                                "Webhooks received, by integration and result (journaled, duplicate, skipped, invalid, "
                                "dead_letter, unauthorized, not_found, unavailable, error).",
                                {"integration", "result"})),
      commit_seconds(registry.histogram("hubrules_journal_commit_seconds",
                                        "Time to commit one group of webhooks to the journal, fsync included.",
                                        {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1})),
      commit_group_size(registry.histogram("hubrules_journal_commit_group_size",
                                           "Webhooks made durable by one commit (one fsync).",
                                           {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024})),
      ack_to_delivered(registry.histogram("hubrules_ack_to_delivered_seconds",
                                          "From a booking's arrival (journaled, then acknowledged) to its records "
                                          "in HubSpot.",
                                          {0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600}, {"integration"})),
      hubspot_requests(registry.counter("hubrules_hubspot_requests_total",
                                        "HubSpot API attempts by connection, endpoint and status (0: no answer).",
                                        {"connection", "endpoint", "status"})),
      reloads(registry.counter("hubrules_reloads_total", "Reloads of the config and rules (SIGHUP), by result.",
                               {"result"})) {}

}  // namespace hubrules::runtime::serve
