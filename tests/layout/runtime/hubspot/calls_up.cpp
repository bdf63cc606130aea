// Fixture for the include check (tests/CMakeLists.txt): a HubSpot call that reaches up into the
// pipeline, which the layers forbid. Never compiled.
#include "runtime/base/clock.hpp"
#include "runtime/sync/sync_pipeline.hpp"
