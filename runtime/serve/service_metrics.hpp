#pragma once
// The families `hubrules serve` exposes at GET /metrics (Prometheus text format). Values kept
// elsewhere — bookings by state, queue depths, connections — are read at scrape time by the
// collectors the service adds. No label ever holds a token, a secret or a guest's data: labels
// are integration and connection names, endpoints without ids, states and status codes.
#include "runtime/base/metrics.hpp"

namespace hubrules::runtime::serve {

struct ServiceMetrics {
  ServiceMetrics();

  metrics::Registry registry;
  metrics::CounterFamily& webhooks;              // {integration, result}
  metrics::HistogramFamily& commit_seconds;      // one group commit (its fsync included)
  metrics::HistogramFamily& commit_group_size;   // webhooks per commit
  metrics::HistogramFamily& ack_to_delivered;    // {integration}: 200 sent → in HubSpot
  metrics::CounterFamily& hubspot_requests;      // {connection, endpoint, status}
  metrics::CounterFamily& reloads;               // {result}
};

}  // namespace hubrules::runtime::serve
