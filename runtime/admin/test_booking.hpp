#pragma once
// The sample booking of the Integrations page's "send a test booking": a TimeRex
// event_confirmed webhook for the integration's calendar, with a guest no real person has.
#include <string>

#include "runtime/admin/service_view.hpp"
#include "runtime/base/clock.hpp"

namespace hubrules::runtime::admin {

std::string sample_webhook(const IntegrationView& integration, const std::string& event_id, TimePoint now);

}  // namespace hubrules::runtime::admin
