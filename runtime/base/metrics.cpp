#include "runtime/base/metrics.hpp"

#include "runtime/base/split.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace hubrules::runtime::metrics {

namespace {

// ---- names -------------------------------------------------------------------------------------

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

// Prometheus' grammar allows colons in metric names, but promtool lints them: they are for
// recording rules' names. So both kinds of name follow the label-name grammar here.
bool matches_name_grammar(std::string_view name) {
  return !name.empty() && is_name_start(name.front()) && std::all_of(name.begin(), name.end(), is_name_char);
}

bool is_camel_case(std::string_view name) {
  return std::adjacent_find(name.begin(), name.end(), [](char a, char b) {
           return a >= 'a' && a <= 'z' && b >= 'A' && b <= 'Z';
         }) != name.end();
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

[[noreturn]] void refuse(std::string_view what, std::string_view name, std::string_view why) {
  throw std::invalid_argument(std::string(what) + " \"" + std::string(name) + "\" " + std::string(why));
}

constexpr std::string_view abbreviated_units[] = {"s", "ms", "us", "ns", "sec", "b", "kb",
                                                 "mb", "gb", "tb", "pb", "m", "h", "d"};
constexpr std::string_view type_words[] = {"counter", "gauge", "histogram", "summary"};
constexpr std::string_view scale_prefixes[] = {"milli", "micro", "nano", "centi", "deci", "kilo", "mega",
                                               "giga", "tera", "kibi", "mebi", "gibi", "tebi"};
constexpr std::string_view base_units[] = {"seconds", "bytes", "meters", "grams"};
constexpr std::string_view other_units[] = {"minutes", "hours", "days", "weeks", "bits", "kilobits", "megabits"};

bool contains(std::span<const std::string_view> words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// Prometheus' base units: seconds, not milliseconds or hours; bytes, not kilobytes or bits.
bool is_scaled_unit(std::string_view word) {
  if (contains(other_units, word)) return true;
  return std::any_of(std::begin(scale_prefixes), std::end(scale_prefixes), [&](std::string_view prefix) {
    return word.starts_with(prefix) && contains(base_units, word.substr(prefix.size()));
  });
}

// promtool's lint reads a name word by word (between underscores, any case): no abbreviated or
// scaled units, and no metric type after the first word.
void check_name_words(std::string_view name) {
  const std::string lower = lowercase(name);
  const std::vector<std::string_view> words = split_nonempty(lower, '_');
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (contains(abbreviated_units, words[i])) refuse("metric name", name, "abbreviates a unit (write seconds, bytes)");
    if (is_scaled_unit(words[i])) refuse("metric name", name, "scales a unit (use base units: seconds, bytes)");
    if (i > 0 && contains(type_words, words[i])) refuse("metric name", name, "names a metric type");
  }
}

void check_metric_name(std::string_view name, MetricType type) {
  if (!matches_name_grammar(name)) refuse("metric name", name, "is not [a-zA-Z_][a-zA-Z0-9_]*");
  if (is_camel_case(name)) refuse("metric name", name, "is camelCase, not snake_case");
  // Prometheus' rate() and friends are read off the suffix: _total on counters and only there.
  if ((type == MetricType::counter) != name.ends_with("_total")) {
    refuse("metric name", name, type == MetricType::counter ? "is a counter's, so ends in _total"
                                                            : "ends in _total, which only counters do");
  }
  // A gauge or counter named like a histogram's series would be read as one of them.
  for (std::string_view suffix : {"_bucket", "_count", "_sum"}) {
    if (name.ends_with(suffix)) refuse("metric name", name, "ends in a histogram's sample suffix");
  }
  check_name_words(name);
}

// promtool lints a family without help; the help is what a reader of the page has to go on.
void check_help(std::string_view name, std::string_view help) {
  if (help.empty()) refuse("metric", name, "has no help text");
}

void check_label_names(std::span<const std::string> label_names) {
  for (std::size_t i = 0; i < label_names.size(); ++i) {
    const std::string& label = label_names[i];
    if (!matches_name_grammar(label)) refuse("label name", label, "is not [a-zA-Z_][a-zA-Z0-9_]*");
    if (is_camel_case(label)) refuse("label name", label, "is camelCase, not snake_case");
    if (label.starts_with("__")) refuse("label name", label, "is reserved (starts with __)");
    // Reserved for histograms' buckets and summaries' quantiles, and this registry writes `le` itself.
    if (label == "le" || label == "quantile") refuse("label name", label, "is reserved for buckets and quantiles");
    if (std::find(label_names.begin(), label_names.begin() + i, label) != label_names.begin() + i) {
      refuse("label name", label, "is repeated");
    }
  }
}

void check_upper_bounds(std::span<const double> bounds) {
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) throw std::invalid_argument("histogram bounds must be finite (+Inf is implied)");
    if (i > 0 && !(bounds[i - 1] < bounds[i])) throw std::invalid_argument("histogram bounds must increase strictly");
  }
}

// The names a family's samples use, so no two families can write the same series.
std::vector<std::string> names_claimed_by(const std::string& name, MetricType type) {
  if (type != MetricType::histogram) return {name};
  return {name, name + "_bucket", name + "_sum", name + "_count"};
}

// ---- text --------------------------------------------------------------------------------------

// What a UTF-8 lead byte promises: the sequence's length and the range of its second byte
// (narrowed after E0, ED, F0 and F4 to shut out overlong forms, surrogates and code points above
// U+10FFFF, as RFC 3629 does). Length 0: not a lead byte.
struct Utf8Lead {
  std::size_t length;
  unsigned char second_low = 0x80, second_high = 0xBF;
};

Utf8Lead utf8_lead(unsigned char lead) {
  if (lead < 0x80) return {1};
  if (lead >= 0xC2 && lead <= 0xDF) return {2};
  if (lead == 0xE0) return {3, 0xA0, 0xBF};
  if (lead == 0xED) return {3, 0x80, 0x9F};
  if (lead >= 0xE1 && lead <= 0xEF) return {3};
  if (lead == 0xF0) return {4, 0x90, 0xBF};
  if (lead == 0xF4) return {4, 0x80, 0x8F};
  if (lead >= 0xF1 && lead <= 0xF3) return {4};
  return {0};
}

// The length of the valid UTF-8 sequence at the start of `text`, or 0.
std::size_t utf8_sequence_length(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const Utf8Lead lead = utf8_lead(byte(0));
  if (lead.length <= 1) return lead.length;
  if (text.size() < lead.length || byte(1) < lead.second_low || byte(1) > lead.second_high) return 0;
  for (std::size_t i = 2; i < lead.length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return lead.length;
}

// Prometheus refuses a whole scrape with a label value that is not UTF-8, and label values may
// come from bookings: a bad byte becomes U+FFFD instead of breaking every scrape after it.
std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const std::size_t length = utf8_sequence_length(text);
    out.append(length == 0 ? std::string_view("\xEF\xBF\xBD") : text.substr(0, length));
    text.remove_prefix(length == 0 ? 1 : length);
  }
  return out;
}

// `escaped` lists the characters written after a backslash; a newline is always written as \n.
// Bytes of multi-byte UTF-8 sequences are all >= 0x80, so they never match.
void append_escaped(std::string& out, std::string_view text, std::string_view escaped) {
  for (const char c : text) {
    if (c == '\n') out += "\\n";
    else if (escaped.find(c) != std::string_view::npos) out += '\\', out += c;
    else out += c;
  }
}

void append_help(std::string& out, std::string_view help) { append_escaped(out, valid_utf8(help), "\\"); }

std::vector<std::string> valid_label_values(std::span<const std::string_view> values) {
  std::vector<std::string> out;
  out.reserve(values.size());
  for (std::string_view value : values) out.push_back(valid_utf8(value));
  return out;
}

// `a="x",b="y"`, without the braces, so a histogram can add `le` to it. The values are valid UTF-8.
std::string render_labels(std::span<const std::string> names, std::span<const std::string> values) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    append_escaped(out, values[i], "\\\"");
    out += '"';
  }
  return out;
}

const char* type_word(MetricType type) {
  switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::histogram: return "histogram";
  }
  return "untyped";
}

void append_header(std::string& out, std::string_view name, std::string_view help, MetricType type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  append_help(out, help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type_word(type);
  out += '\n';
}

void append_sample(std::string& out, std::string_view name, std::string_view labels, std::string_view value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

std::string format_count(std::uint64_t count) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, count);
  return std::string(buffer, result.ptr);
}

void append_histogram(std::string& out, const std::string& name, const std::string& labels, const Histogram& h) {
  const std::vector<std::uint64_t> counts = h.cumulative_counts();
  const std::span<const double> bounds = h.upper_bounds();
  const std::string bucket_name = name + "_bucket";
  const std::string label_prefix = labels.empty() ? "" : labels + ",";
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const std::string le = i < bounds.size() ? format_value(bounds[i]) : "+Inf";
    append_sample(out, bucket_name, label_prefix + "le=\"" + le + "\"", format_count(counts[i]));
  }
  append_sample(out, name + "_sum", labels, format_value(h.sum()));
  append_sample(out, name + "_count", labels, format_count(counts.back()));
}

void append_child(std::string& out, const std::string& name, const std::string& labels, const Counter& c) {
  append_sample(out, name, labels, format_count(c.value()));
}
void append_child(std::string& out, const std::string& name, const std::string& labels, const FloatCounter& c) {
  append_sample(out, name, labels, format_value(c.value()));
}
void append_child(std::string& out, const std::string& name, const std::string& labels, const Gauge& g) {
  append_sample(out, name, labels, format_value(g.value()));
}
void append_child(std::string& out, const std::string& name, const std::string& labels, const Histogram& h) {
  append_histogram(out, name, labels, h);
}

}  // namespace

// ---- values ------------------------------------------------------------------------------------

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Up to 2^53 every whole number is exact; printing it as an integer avoids "1e+06".
  constexpr double exact_integers = 9007199254740992.0;
  if (std::trunc(value) == value && std::fabs(value) <= exact_integers) {
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, static_cast<std::int64_t>(value));
    return std::string(buffer, result.ptr);
  }
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);  // shortest round trip
  return std::string(buffer, result.ptr);
}

void FloatCounter::inc(double by) {
  if (!(by >= 0)) throw std::invalid_argument("a counter only goes up");
  value_.fetch_add(by, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : Histogram(std::make_shared<const std::vector<double>>(std::move(upper_bounds))) {}

Histogram::Histogram(std::shared_ptr<const std::vector<double>> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      bucket_counts_(new std::atomic<std::uint64_t>[upper_bounds_->size() + 1]) {
  check_upper_bounds(*upper_bounds_);
  for (std::size_t i = 0; i <= upper_bounds_->size(); ++i) bucket_counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double value) noexcept {
  // lower_bound: the first bound >= value, so a value equal to a bound is counted in its bucket.
  // NaN compares false with every bound and would land in the first bucket; it belongs in +Inf.
  const std::vector<double>& bounds = *upper_bounds_;
  const std::size_t bucket = std::isnan(value) ? bounds.size()
      : static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin());
  bucket_counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
  std::vector<std::uint64_t> counts(upper_bounds_->size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    running += bucket_counts_[i].load(std::memory_order_relaxed);
    counts[i] = running;
  }
  return counts;
}

std::uint64_t Histogram::count() const noexcept {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= upper_bounds_->size(); ++i) total += bucket_counts_[i].load(std::memory_order_relaxed);
  return total;
}

// ---- families ----------------------------------------------------------------------------------

FamilyBase::FamilyBase(std::string name, std::string help, MetricType type, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), type_(type), label_names_(std::move(label_names)) {
  check_metric_name(name_, type_);
  check_help(name_, help_);
  check_label_names(label_names_);
}

void FamilyBase::render(std::string& out) const {
  append_header(out, name_, help_, type_);
  render_samples(out);
}

namespace {

template <typename Child>
constexpr MetricType type_of() {
  if constexpr (std::is_same_v<Child, Gauge>) return MetricType::gauge;
  else if constexpr (std::is_same_v<Child, Histogram>) return MetricType::histogram;
  else return MetricType::counter;
}

}  // namespace

template <typename Child>
Family<Child>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                      std::vector<double> upper_bounds)
    : FamilyBase(std::move(name), std::move(help), type_of<Child>(), std::move(label_names)),
      upper_bounds_(std::make_shared<const std::vector<double>>(std::move(upper_bounds))) {
  check_upper_bounds(*upper_bounds_);
  // An unlabelled series exists from the start, so a scrape shows 0 rather than nothing.
  if (this->label_names().empty()) with({});
}

template <typename Child>
Child& Family<Child>::with(std::initializer_list<std::string_view> label_values) {
  return find_or_create(std::span<const std::string_view>(label_values.begin(), label_values.size()));
}

template <typename Child>
Child& Family<Child>::with(std::span<const std::string> label_values) {
  const std::vector<std::string_view> views(label_values.begin(), label_values.end());
  return find_or_create(views);
}

template <typename Child>
Child& Family<Child>::find_or_create(std::span<const std::string_view> label_values) {
  if (label_values.size() != label_names().size()) {
    throw std::invalid_argument(name() + " takes " + std::to_string(label_names().size()) + " label values, not " +
                                std::to_string(label_values.size()));
  }
  // Keyed by the values as written, so two values that differ only in bad bytes are one series.
  std::vector<std::string> key = valid_label_values(label_values);
  std::lock_guard lock(mutex_);
  auto found = children_.find(key);
  if (found == children_.end()) {
    std::unique_ptr<Child> child;
    if constexpr (std::is_same_v<Child, Histogram>) child = std::make_unique<Histogram>(upper_bounds_);
    else child = std::make_unique<Child>();
    Entry entry{render_labels(label_names(), key), std::move(child)};
    found = children_.emplace(std::move(key), std::move(entry)).first;
  }
  return *found->second.child;
}

template <typename Child>
void Family<Child>::render_samples(std::string& out) const {
  std::lock_guard lock(mutex_);
  for (const auto& [values, entry] : children_) append_child(out, name(), entry.rendered_labels, *entry.child);
}

template class Family<Counter>;
template class Family<FloatCounter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- the registry ------------------------------------------------------------------------------

void Registry::claim_names(const std::string& name, MetricType type) {
  const std::vector<std::string> wanted = names_claimed_by(name, type);
  for (const std::string& candidate : wanted) {
    if (std::find(claimed_names_.begin(), claimed_names_.end(), candidate) != claimed_names_.end()) {
      refuse("metric name", name, "is already used");
    }
  }
  claimed_names_.insert(claimed_names_.end(), wanted.begin(), wanted.end());
}

template <typename F>
F& Registry::add_family(std::unique_ptr<F> family) {
  std::lock_guard lock(mutex_);
  claim_names(family->name(), family->type());
  F& added = *family;
  renderers_.push_back(std::make_shared<const Renderer>([&added](std::string& out) { added.render(out); }));
  families_.push_back(std::move(family));
  return added;
}

CounterFamily& Registry::counter(std::string name, std::string help, std::vector<std::string> label_names) {
  return add_family(std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(label_names)));
}

FloatCounterFamily& Registry::float_counter(std::string name, std::string help, std::vector<std::string> label_names) {
  return add_family(std::make_unique<FloatCounterFamily>(std::move(name), std::move(help), std::move(label_names)));
}

GaugeFamily& Registry::gauge(std::string name, std::string help, std::vector<std::string> label_names) {
  return add_family(std::make_unique<GaugeFamily>(std::move(name), std::move(help), std::move(label_names)));
}

HistogramFamily& Registry::histogram(std::string name, std::string help, std::vector<double> upper_bounds,
                                     std::vector<std::string> label_names) {
  return add_family(std::make_unique<HistogramFamily>(std::move(name), std::move(help),
                                                      std::move(label_names), std::move(upper_bounds)));
}

void Registry::callback_gauge(std::string name, std::string help, std::function<double()> read) {
  check_metric_name(name, MetricType::gauge);
  check_help(name, help);
  std::lock_guard lock(mutex_);
  claim_names(name, MetricType::gauge);
  renderers_.push_back(std::make_shared<const Renderer>(
      [name = std::move(name), help = std::move(help), read = std::move(read)](std::string& out) {
        append_header(out, name, help, MetricType::gauge);
        append_sample(out, name, "", format_value(read()));
      }));
}

void Registry::add_collector(Collector collect) {
  std::lock_guard lock(mutex_);
  // The collector's own names are only known when it writes; they are checked then.
  renderers_.push_back(std::make_shared<const Renderer>(
      [this, collect = std::move(collect)](std::string& out) {
        std::vector<std::string> names_taken;
        {
          std::lock_guard names_lock(mutex_);
          names_taken = claimed_names_;
        }
        Writer writer(out, names_taken);
        collect(writer);
      }));
}

std::string Registry::render() const {
  // Copied under the lock and run without it, so a slow callback (a store query) does not hold
  // up registrations, and a collector may itself register.
  std::vector<std::shared_ptr<const Renderer>> renderers;
  {
    std::lock_guard lock(mutex_);
    renderers = renderers_;
  }
  std::string out;
  for (const auto& render_one : renderers) (*render_one)(out);
  return out;
}

// ---- collectors' writer ------------------------------------------------------------------------

void Registry::Writer::counter(std::string_view name, std::string_view help,
                               std::initializer_list<std::string_view> label_names) {
  begin(name, help, MetricType::counter, label_names);
}

void Registry::Writer::gauge(std::string_view name, std::string_view help,
                             std::initializer_list<std::string_view> label_names) {
  begin(name, help, MetricType::gauge, label_names);
}

void Registry::Writer::begin(std::string_view name, std::string_view help, MetricType type,
                             std::initializer_list<std::string_view> label_names) {
  check_metric_name(name, type);
  check_help(name, help);
  std::vector<std::string> labels(label_names.begin(), label_names.end());
  check_label_names(labels);
  if (std::find(names_taken_.begin(), names_taken_.end(), name) != names_taken_.end()) {
    refuse("metric name", name, "is already used");
  }
  names_taken_.emplace_back(name);
  family_ = std::string(name);
  label_names_ = std::move(labels);
  started_ = true;
  append_header(out_, name, help, type);
}

void Registry::Writer::sample(std::initializer_list<std::string_view> label_values, double value) {
  if (!started_) throw std::invalid_argument("a collector's sample comes after counter() or gauge()");
  if (label_values.size() != label_names_.size()) {
    throw std::invalid_argument(family_ + " takes " + std::to_string(label_names_.size()) + " label values, not " +
                                std::to_string(label_values.size()));
  }
  const std::span<const std::string_view> values(label_values.begin(), label_values.size());
  append_sample(out_, family_, render_labels(label_names_, valid_label_values(values)), format_value(value));
}

}  // namespace hubrules::runtime::metrics
