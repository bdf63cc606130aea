#include "runtime/sandbox/sandbox.hpp"

#include "engine/text/ascii_case.hpp"
#include "runtime/sandbox/record_json.hpp"
#include "runtime/sandbox/sandbox_app.hpp"
#include "runtime/sandbox/sandbox_server.hpp"

namespace hubrules::runtime {

using namespace sandbox;

namespace {

TimePoint to_time(std::int64_t ms) { return TimePoint{} + std::chrono::duration_cast<TimePoint::duration>(Millis(ms)); }

SandboxRecord public_record(const Record& r) {
  return {std::to_string(r.id), {r.properties.begin(), r.properties.end()}, to_time(r.created_ms), to_time(r.updated_ms)};
}

void write_records(JsonOut& j, std::string_view name, const std::vector<SandboxRecord>& records) {
  j.key(name).begin_array();
  for (const auto& r : records) {
    j.begin_object().field("id", r.id).key("properties").begin_object();
    for (const auto& [k, v] : r.properties) j.field(k, v);
    j.end_object().end_object();
  }
  j.end_array();
}

}  // namespace

struct Sandbox::Impl {
  SandboxOptions options;
  SandboxApp app;
  HttpServer server;

  explicit Impl(SandboxOptions o)
      : options(std::move(o)), app(options), server([this](const ApiRequest& r) { return app.handle(r); }, options.threads) {}
};

Sandbox::Sandbox(SandboxOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Sandbox::~Sandbox() { stop(); }

void Sandbox::start() { impl_->server.start(impl_->options.address, impl_->options.port); }

void Sandbox::stop() { impl_->server.stop(); }

unsigned short Sandbox::port() const { return impl_->server.port(); }

std::string Sandbox::base_url() const { return "http://" + impl_->options.address + ":" + std::to_string(port()); }

namespace {
// The object's canonical name and the properties as the API would store them (emails lowercased).
std::pair<std::string, Properties> record_to_write(std::string_view object,
                                                   const std::map<std::string, std::string>& properties) {
  std::string name = object_name(object);
  if (name.empty()) throw std::invalid_argument("sandbox: no object type " + std::string(object));
  Properties props(properties.begin(), properties.end());
  if (const auto it = props.find("email"); name == "contacts" && it != props.end()) it->second = text::lower_ascii(it->second);
  return {std::move(name), std::move(props)};
}
}  // namespace

std::string Sandbox::seed_record(std::string_view object, const std::map<std::string, std::string>& properties) {
  std::lock_guard lock(impl_->app.mutex());
  auto [name, props] = record_to_write(object, properties);
  // Long before any search lag, so the record is indexed already.
  const auto ms = std::chrono::duration_cast<Millis>(impl_->options.clock->now().time_since_epoch()).count() -
                  24LL * 3600 * 1000;
  return std::to_string(impl_->app.store().create(name, std::move(props), ms, ms).id);
}

void Sandbox::create_before(const std::string& endpoint, std::string_view object,
                            const std::map<std::string, std::string>& properties) {
  std::lock_guard lock(impl_->app.mutex());
  auto [name, props] = record_to_write(object, properties);
  impl_->app.create_before(endpoint, std::move(name), std::move(props));
}

void Sandbox::seed_association(const std::string& contact_id, const std::string& company_id, int type_id) {
  std::lock_guard lock(impl_->app.mutex());
  impl_->app.store().associate({std::stoll(contact_id), std::stoll(company_id), type_id});
}

std::string Sandbox::add_property(std::string_view object, const std::string& definition) {
  std::lock_guard lock(impl_->app.mutex());
  const std::string name = object_name(object);
  if (name.empty()) throw std::invalid_argument("sandbox: no object type " + std::string(object));
  ApiResponse r = impl_->app.create_property(name, definition);
  if (r.status != 201) throw std::invalid_argument("sandbox: property refused: " + r.body);
  return std::move(r.body);
}

SandboxState Sandbox::state() const {
  std::lock_guard lock(impl_->app.mutex());
  SandboxState s;
  Store& store = impl_->app.store();
  for (const auto& [_, r] : store.all("contacts"))
    if (!r.archived) s.contacts.push_back(public_record(r));
  for (const auto& [_, r] : store.all("companies"))
    if (!r.archived) s.companies.push_back(public_record(r));
  for (const auto& a : store.associations())
    s.associations.push_back({std::to_string(a.contact_id), std::to_string(a.company_id), a.type_id});
  return s;
}

std::string Sandbox::state_json() const {
  const SandboxState s = state();
  JsonOut j;
  j.begin_object();
  write_records(j, "contacts", s.contacts);
  write_records(j, "companies", s.companies);
  j.key("associations").begin_array();
  for (const auto& a : s.associations)
    j.begin_object().field("contactId", a.contact_id).field("companyId", a.company_id).field("typeId", a.type_id).end_object();
  j.end_array().end_object();
  return j.take();
}

SandboxStats Sandbox::stats() const {
  std::lock_guard lock(impl_->app.mutex());
  return impl_->app.stats();
}

void Sandbox::inject_faults(const std::vector<SandboxFault>& faults) {
  std::lock_guard lock(impl_->app.mutex());
  std::vector<Fault> internal;
  for (const auto f : faults) internal.push_back(static_cast<Fault>(f));
  impl_->app.faults().queue(internal);
}

void Sandbox::revoke_oauth_tokens() {
  std::lock_guard lock(impl_->app.mutex());
  impl_->app.oauth().revoke_all();
}

}  // namespace hubrules::runtime
