#pragma once
// Metrics for `hubrules serve`'s GET /metrics, in Prometheus' text exposition format 0.0.4.
//
// A Registry owns families (a name, help text, label names); `family.with({"sales", "200"})`
// gives the child for those label values. Finding or creating a child takes the family's lock,
// so callers on a hot path keep the reference (it stays valid as long as the registry); updating
// a child is one atomic operation and never locks. Values read from elsewhere at scrape time
// (queue depths in the store) come from callback gauges or collectors, called by render().
//
// Names are checked when a family is created, against Prometheus' grammar and the conventions
// `promtool check metrics` lints for, so a bad name is a std::invalid_argument at start-up rather
// than a scrape Prometheus refuses.
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hubrules::runtime::metrics {

// The hot path must not fall back to a lock inside std::atomic.
static_assert(std::atomic<double>::is_always_lock_free && std::atomic<std::uint64_t>::is_always_lock_free);

// A count of events (requests, bookings): only goes up.
class Counter {
 public:
  void inc(std::uint64_t by = 1) noexcept { value_.fetch_add(by, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// A total that is not a whole number (seconds spent, bytes as a rate): only goes up.
class FloatCounter {
 public:
  // Throws std::invalid_argument when `by` is negative or NaN: a counter that went down would
  // read as a restart to Prometheus' rate().
  void inc(double by = 1.0);
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// A level that goes up and down (connections open, last success time).
class Gauge {
 public:
  void set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
  void add(double delta) noexcept { value_.fetch_add(delta, std::memory_order_relaxed); }
  void sub(double delta) noexcept { add(-delta); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Observations counted into fixed buckets (request latency): an observation goes into the first
// bucket whose upper bound is >= the value, as Prometheus' `le` says.
class Histogram {
 public:
  // Throws std::invalid_argument unless the bounds are finite and strictly increasing (+Inf is
  // implied).
  explicit Histogram(std::vector<double> upper_bounds);
  // Children of one family share its bounds.
  explicit Histogram(std::shared_ptr<const std::vector<double>> upper_bounds);
  void observe(double value) noexcept;
  // One count per upper bound, cumulative, then the +Inf bucket (equal to count()).
  std::vector<std::uint64_t> cumulative_counts() const;
  std::uint64_t count() const noexcept;
  double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }
  std::span<const double> upper_bounds() const noexcept { return *upper_bounds_; }

 private:
  std::shared_ptr<const std::vector<double>> upper_bounds_;
  // Per-bucket (not cumulative) counts, the last for values above every bound: one increment per
  // observation, and the +Inf bucket and _count are both the total, so they always agree.
  std::unique_ptr<std::atomic<std::uint64_t>[]> bucket_counts_;
  std::atomic<double> sum_{0.0};
};

// Latency buckets in seconds for HTTP handlers and HubSpot calls.
inline const std::vector<double> default_latency_buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                         1,     2,    5,     10,   30,  60};

enum class MetricType { counter, gauge, histogram };

// What every family shares: its HELP/TYPE header and how it writes its samples.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, MetricType type, std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const noexcept { return name_; }
  MetricType type() const noexcept { return type_; }
  const std::vector<std::string>& label_names() const noexcept { return label_names_; }
  // The header, then the samples.
  void render(std::string& out) const;

 private:
  virtual void render_samples(std::string& out) const = 0;

  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
};

// A family of Counter, FloatCounter, Gauge or Histogram children, one per label-value tuple.
// Families are made by a Registry, which also keeps names unique.
template <typename Child>
class Family final : public FamilyBase {
 public:
  // Throws std::invalid_argument on a bad name (see Registry) or, for histograms, bad bounds.
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> upper_bounds = {});

  // The child for these label values (as many as label names, else std::invalid_argument),
  // created at 0 on first use. The reference stays valid for the registry's lifetime.
  Child& with(std::initializer_list<std::string_view> label_values);
  Child& with(std::span<const std::string> label_values);

 private:
  struct Entry {
    std::string rendered_labels;  // `a="x",b="y"`, escaped once here instead of every scrape
    std::unique_ptr<Child> child;
  };
  Child& find_or_create(std::span<const std::string_view> label_values);
  void render_samples(std::string& out) const override;

  std::shared_ptr<const std::vector<double>> upper_bounds_;  // histograms only; children share it
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, Entry, std::less<>> children_;  // sorted: a stable scrape
};

using CounterFamily = Family<Counter>;
using FloatCounterFamily = Family<FloatCounter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class Registry {
 public:
  // Lets a collector write families whose values it reads at scrape time. Each family starts
  // with counter() or gauge() and is followed by its samples.
  class Writer {
   public:
    using Names = std::initializer_list<std::string_view>;
    void counter(std::string_view name, std::string_view help, Names label_names = {});
    void gauge(std::string_view name, std::string_view help, Names label_names = {});
    // Throws std::invalid_argument without a family started, or with a label-value count other
    // than the family's label-name count.
    void sample(std::initializer_list<std::string_view> label_values, double value);
    void sample(double value) { sample({}, value); }

   private:
    friend class Registry;
    Writer(std::string& out, std::vector<std::string>& names_taken) : out_(out), names_taken_(names_taken) {}
    void begin(std::string_view name, std::string_view help, MetricType type,
               std::initializer_list<std::string_view> label_names);

    std::string& out_;
    std::vector<std::string>& names_taken_;  // the registry's and those written this scrape
    std::string family_;
    std::vector<std::string> label_names_;
    bool started_ = false;
  };
  using Collector = std::function<void(Writer&)>;

  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Each throws std::invalid_argument on a metric name that is not [a-zA-Z_][a-zA-Z0-9_]* or is
  // already used (a histogram's _bucket/_sum/_count names included), on a bad, repeated or reserved
  // (`__…`, `le`, `quantile`) label name, on histogram bounds that are not finite and strictly
  // increasing, and on what `promtool check metrics` lints: a counter not ending in `_total` (or
  // another kind ending in it), a `_bucket`/`_count`/`_sum` suffix, camelCase, abbreviated or scaled
  // units as words (`_ms`, `_milliseconds`, `_kilobytes`: use seconds and bytes), a type word
  // (`_gauge`), an empty help text.
  CounterFamily& counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  FloatCounterFamily& float_counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  GaugeFamily& gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  HistogramFamily& histogram(std::string name, std::string help, std::vector<double> upper_bounds,
                             std::vector<std::string> label_names = {});
  // An unlabelled gauge whose value `read` gives at each scrape (called without a lock held).
  void callback_gauge(std::string name, std::string help, std::function<double()> read);
  // Called at each scrape, in registration order with the families. A collector may use the
  // registry (it is not locked while collectors run); the names it writes are checked as it
  // writes them, also against the registry's, and a bad one throws out of render().
  void add_collector(Collector collect);

  // The whole exposition, text format 0.0.4 (Content-Type: text/plain; version=0.0.4).
  std::string render() const;

 private:
  using Renderer = std::function<void(std::string&)>;
  template <typename F>
  F& add_family(std::unique_ptr<F> family);
  void claim_names(const std::string& name, MetricType type);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
  std::vector<std::shared_ptr<const Renderer>> renderers_;  // in registration order
  std::vector<std::string> claimed_names_;                    // names and the sample names they add
};

// A sample value as Prometheus reads it: `+Inf`, `-Inf`, `NaN`, whole numbers without an
// exponent or a fraction, others in the shortest form that reads back to the same double.
std::string format_value(double value);

}  // namespace hubrules::runtime::metrics
