// The booking generator behind gen_bookings (see gen_bookings.cpp for the knobs), as a library so
// that the delivery benchmark makes the very same bookings in-process.
//
// The PRNG is xoshiro256** seeded through splitmix64 and every draw is integer arithmetic or an
// exact 53-bit fraction, so the output is byte-identical on every machine and compiler.
// The data follow the shape of TimeRex's webhook payload: guest answers in event.form[] as
// {field_type, required, label, value}; custom questions carry field_type "custom_*".
#include "bench/booking_generator.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "engine/text/json_writer.hpp"

namespace hubrules::bench {

namespace {

// ---------------------------------------------------------------------------------------------
// PRNG
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& word : s_) word = splitmix64(seed);
  }

  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1), exactly representable.
  double random() noexcept { return double(next() >> 11) * 0x1.0p-53; }

  // Uniform in [0, n), unbiased (Lemire's multiply-and-reject).
  std::uint64_t below(std::uint64_t n) noexcept {
    unsigned __int128 m = (unsigned __int128)next() * n;
    auto low = std::uint64_t(m);
    if (low < n) {
      const std::uint64_t threshold = -n % n;
      while (low < threshold) {
        m = (unsigned __int128)next() * n;
        low = std::uint64_t(m);
      }
    }
    return std::uint64_t(m >> 64);
  }

  std::uint64_t range(std::uint64_t lo, std::uint64_t hi) noexcept { return lo + below(hi - lo); }
  bool chance(double p) noexcept { return random() < p; }

  template <class T, std::size_t N>
  const T& choice(const std::array<T, N>& a) noexcept { return a[below(N)]; }

 private:
  static std::uint64_t splitmix64(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

  std::uint64_t s_[4];
};

// ---------------------------------------------------------------------------------------------
// Data
using sv = std::string_view;

constexpr std::array<sv, 10> kFreeMail = {"gmail.com",   "yahoo.co.jp", "outlook.jp",    "icloud.com",
                                          "docomo.ne.jp", "ezweb.ne.jp", "hotmail.com",   "i.softbank.jp",
                                          "yahoo.com",   "nifty.com"};
constexpr std::array<sv, 18> kFamily = {"佐藤",  "鈴木",   "高橋",    "田中",   "伊藤",    "渡辺",
                                        "山本",  "中村",   "小林",    "加藤",   "Smith",   "Johnson",
                                        "Garcia", "Müller", "O'Brien", "Nguyen", "Kim",     "Rossi"};
constexpr std::size_t kJapaneseFamilies = 10;  // the first ten of kFamily are written in kanji
constexpr std::array<sv, 16> kGiven = {"太郎", "花子", "健",   "さくら", "翔太", "美咲", "エミ", "John",
                                       "Maria", "Wei", "Anna", "José",  "Zoë",  "Léa",  "Ahmed", "Mary"};
constexpr std::array<sv, 5> kMiddle = {"Ann", "Marie", "Jean", "Lee", "Lou"};
constexpr std::array<sv, 15> kCorpWords = {"Tech",     "Data",     "Cloud",    "Works",  "Labs",
                                           "Systems",  "Solutions", "Partners", "Holdings", "Robotics",
                                           "Foods",    "Logistics", "Design",   "Energy", "Health"};
constexpr std::array<sv, 3> kJpCorp = {"株式会社", "合同会社", "有限会社"};
constexpr std::array<sv, 7> kTlds = {"co.jp", "com", "jp", "io", "net", "co.uk", "de"};
constexpr std::array<sv, 7> kTitles = {"営業部長", "CTO", "Marketing Manager", "エンジニア",
                                       "代表取締役", "Head of Sales", ""};
constexpr std::array<sv, 11> kEmployees = {"10", "50", "1,000", "250", "5000", "30名",
                                           "",   "約100", "12", "５０", "１，２００"};
constexpr std::array<sv, 3> kProducts = {"CRM", "MA", "SFA"};
constexpr std::array<sv, 3> kUtmSources = {"google", "newsletter", "partner"};
constexpr std::array<sv, 4> kPads = {" ", "\u3000", "\t", "  "};
constexpr sv kComment = "よろしくお願いいたします。";

using Options = GenOptions;

struct Company {
  std::string name, domain;
};

struct Guest {
  std::string name, email, company, phone, title, employees;
};

// ---------------------------------------------------------------------------------------------
// Guests and companies
std::string cat(std::initializer_list<sv> parts) {
  std::string s;
  for (sv p : parts) s += p;
  return s;
}

std::string slug(sv a, sv b) {
  std::string s;
  for (sv w : {a, b})
    for (char c : w) s += (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
  return s;
}

Company make_company(Rng& rng, std::size_t n) {
  // Two distinct words, like random.sample(CORP_WORDS, 2).
  const std::size_t i = rng.below(kCorpWords.size());
  std::size_t j = rng.below(kCorpWords.size() - 1);
  if (j >= i) ++j;
  const sv w1 = kCorpWords[i], w2 = kCorpWords[j];
  const std::string num = std::to_string(n);
  std::string ascii_name;
  if (rng.chance(0.01)) {
    ascii_name = cat({"\"", w1, "\" ", w2, " ", num});  // quotes to escape
  } else {
    ascii_name = cat({w1, " ", w2, " ", num});
  }
  Company c;
  c.name = rng.chance(0.5) ? std::string(rng.choice(kJpCorp)) + ascii_name : ascii_name + " Inc.";
  c.domain = cat({slug(w1, w2), num, ".", rng.choice(kTlds)});
  return c;
}

std::string make_name(Rng& rng) {
  const std::size_t f = rng.below(kFamily.size());
  const sv family = kFamily[f], given = rng.choice(kGiven);
  const bool japanese = f < kJapaneseFamilies;
  std::string full;
  if (rng.chance(0.01)) {
    full = family;  // one token: lastname only
  } else if (japanese) {
    full = std::string(family) + (rng.chance(0.5) ? "\u3000" : " ") + std::string(given);
  } else if (rng.chance(0.1)) {
    full = cat({given, " ", rng.choice(kMiddle), " ", family});
  } else {
    full = cat({given, " ", family});
  }
  if (rng.chance(0.02)) {  // a run of blanks inside the name
    const std::size_t sp = full.find(' ') != std::string::npos ? full.find(' ') : full.find("\u3000");
    if (sp != std::string::npos) full.insert(sp, rng.chance(0.5) ? "\u3000" : "  ");
  }
  return full;
}

std::string upper_ascii(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = char(c - 32);
  return s;
}

// Occasional blanks around an answer, as forms deliver them.
std::string pad(Rng& rng, std::string s) {
  if (!rng.chance(0.03)) return s;
  const sv p = rng.choice(kPads);
  switch (rng.below(3)) {
    case 0: return std::string(p) + s;
    case 1: return s + std::string(p);
    default: return std::string(p) + s + std::string(p);
  }
}

const Guest& make_guest(Rng& rng, long long i, std::vector<Company>& companies, std::vector<Guest>& guests,
                        const Options& opt) {
  if (!guests.empty() && rng.chance(opt.repeat)) return guests[rng.below(guests.size())];
  std::string name = make_name(rng);
  std::size_t company_index;
  if (!companies.empty() && rng.chance(opt.repeat)) {
    company_index = rng.below(companies.size());
  } else {
    companies.push_back(make_company(rng, companies.size()));
    company_index = companies.size() - 1;
  }
  const Company& company = companies[company_index];
  std::string email = cat({"user", std::to_string(i), ".", std::to_string(rng.below(1000000)), "@"});
  email += rng.chance(opt.freemail) ? std::string(rng.choice(kFreeMail)) : company.domain;
  if (rng.chance(0.05)) email = upper_ascii(std::move(email));
  if (rng.chance(0.01)) {  // a typo that makes the address invalid
    switch (rng.below(3)) {
      case 0: email.replace(email.find('@'), 1, "＠"); break;  // full-width at sign
      case 1: email.insert(4, " "); break;                     // a blank inside
      default: email += "."; break;                            // an empty last label
    }
  }
  Guest g;
  g.name = pad(rng, std::move(name));
  g.email = pad(rng, std::move(email));
  g.company = rng.chance(0.9) ? pad(rng, company.name) : "";
  g.phone = rng.chance(0.7) ? pad(rng, cat({"0", std::to_string(rng.range(1000000000ull, 10000000000ull))})) : "";
  g.title = pad(rng, std::string(rng.choice(kTitles)));
  g.employees = pad(rng, std::string(rng.choice(kEmployees)));
  guests.push_back(std::move(g));
  return guests.back();
}

// ---------------------------------------------------------------------------------------------
// JSON output: strings escaped by the project's own writer (engine/text/json_writer).
void str(std::string& o, sv s) { hubrules::text::append_json_string(o, s); }

void key(std::string& o, sv k) {
  str(o, k);
  o += ':';
}

void kv(std::string& o, sv k, sv v) {
  key(o, k);
  str(o, v);
  o += ',';
}

void two(std::string& o, unsigned v) {
  o += char('0' + v / 10);
  o += char('0' + v % 10);
}

void datetime(std::string& o, sv k, unsigned day, unsigned hour, sv zone) {
  key(o, k);
  o += "\"2026-12-";
  two(o, day);
  o += 'T';
  two(o, hour);
  o += ":00:00";
  o += zone;
  o += "\",";
}

void form_entry(std::string& o, sv field_type, bool required, sv label, sv value) {
  o += "{";
  kv(o, "field_type", field_type);
  o += required ? "\"required\":true," : "\"required\":false,";
  kv(o, "label", label);
  key(o, "value");
  str(o, value);
  o += "},";
}

void booking(std::string& o, Rng& rng, long long i, std::vector<Company>& companies, std::vector<Guest>& guests,
             const Options& opt) {
  const Guest& g = make_guest(rng, i, companies, guests, opt);
  const bool cancelled = rng.chance(opt.cancel);
  const auto day = unsigned(1 + i % 28), hour = unsigned(9 + i % 8);
  char id[24];
  std::snprintf(id, sizeof id, "%020llx", static_cast<unsigned long long>(i));
  const sv event_id = id;

  o += '{';
  kv(o, "webhook_type", cancelled ? "event_cancelled" : "event_confirmed");
  kv(o, "calendar_url_path", "215aa110");
  kv(o, "team_url_path", "acme_sales");
  kv(o, "calendar_url", "https://timerex.net/s/acme_sales/215aa110");
  kv(o, "calendar_name", "Product demo");
  key(o, "event");
  o += '{';
  kv(o, "id", event_id);
  o += cancelled ? "\"status\":3," : "\"status\":1,";
  o += "\"duration\":60,";
  datetime(o, "start_datetime", day, hour - 9, "+00:00");
  datetime(o, "end_datetime", day, hour - 8, "+00:00");
  datetime(o, "local_start_datetime", day, hour, "+09:00");
  datetime(o, "local_end_datetime", day, hour + 1, "+09:00");
  kv(o, "calendar_timezone", "Asia/Tokyo");
  kv(o, "guest_locale", "ja");
  kv(o, "created_at", "2026-11-20T02:22:40+00:00");
  kv(o, "host_cancel_url", cat({"https://timerex.net/schedule/host_cancel/", event_id}));
  kv(o, "guest_cancel_url", cat({"https://timerex.net/schedule/cancel/", event_id}));
  kv(o, "guest_reschedule_url", cat({"https://timerex.net/schedule/change/", event_id}));
  kv(o, "online_meeting_provider", "zoom");
  const std::string meeting = std::to_string(80000000000ll + i);
  char password[8];
  std::snprintf(password, sizeof password, "%06u", unsigned(rng.below(1000000)));
  o += "\"zoom_meeting\":{\"meeting_id\":" + meeting + ",";
  kv(o, "join_url", "https://zoom.us/j/" + meeting);
  kv(o, "password", password);
  o += "\"host\":{\"name\":\"Sales Team\",\"email\":\"sales@example-host.co.jp\"}},";
  o += "\"hosts\":[{\"name\":\"Sales Team\",\"email\":\"sales@example-host.co.jp\"}],";

  o += "\"form\":[";
  form_entry(o, "company_name", false, "会社名", g.company);
  form_entry(o, "guest_name", true, "名前", g.name);
  form_entry(o, "guest_email", true, "メールアドレス", g.email);
  form_entry(o, "guest_phone", false, "電話番号", g.phone);
  form_entry(o, "custom_text", false, "役職", g.title);
  form_entry(o, "custom_text", false, "従業員数", g.employees);
  // A checkbox question: its value is an array (a sample of 0..2 products, in random order).
  o += "{\"field_type\":\"custom_checkbox\",\"required\":false,\"label\":\"ご興味のある製品\","
       "\"options\":[\"CRM\",\"MA\",\"SFA\"],\"value\":[";
  {
    std::array<std::size_t, 3> idx = {0, 1, 2};
    const std::size_t k = rng.below(3);
    for (std::size_t n = 0; n < k; ++n) {
      std::swap(idx[n], idx[n + rng.below(3 - n)]);
      if (n) o += ',';
      str(o, kProducts[idx[n]]);
    }
  }
  o += "]},";
  std::string comment;
  const std::size_t repeats = rng.below(12);
  const bool lines = rng.chance(0.2);
  for (std::size_t n = 0; n < repeats; ++n) {
    if (n && lines) comment += '\n';
    comment += kComment;
  }
  form_entry(o, "guest_comment", false, "コメント", comment);
  o.back() = ']';  // replaces the last entry's ','
  o += ',';

  o += "\"url_params\":[{";
  kv(o, "utm_source", rng.choice(kUtmSources));
  o.back() = '}';
  o += ",{";
  kv(o, "utm_campaign", cat({"c", std::to_string(rng.below(20))}));
  o.back() = '}';
  o += ']';
  if (cancelled) {
    o += ",\"canceled_at\":\"2026-11-21T02:24:27+00:00\",\"cancellation_reason\":\"\"";
  }
  o += "}}";
}

// Damages the line that starts at o[start]: truncation, a wrong type, or not JSON at all.
void damage(std::string& o, std::size_t start, Rng& rng) {
  const std::size_t len = o.size() - start;
  switch (rng.below(3)) {
    case 0: {  // truncated document, cut on a UTF-8 character boundary
      std::size_t cut = start + rng.range(1, len);
      while (cut > start + 1 && (static_cast<unsigned char>(o[cut]) & 0xC0) == 0x80) --cut;
      o.resize(cut);
      return;
    }
    case 1: {  // form is not an array
      const std::size_t at = o.find("\"form\":", start);
      if (at != std::string::npos) o.replace(at, 7, "\"form\":7,\"_x\":");
      return;
    }
    default:
      o.resize(start);
      o.append("\0not json at all", 16);
  }
}


}  // namespace

bool generate_bookings(const GenOptions& opt, const std::function<bool(std::string_view)>& sink) {
  Rng rng(opt.seed);
  std::vector<Company> companies;
  std::vector<Guest> guests;
  std::string out;
  out.reserve(1 << 21);
  for (long long i = 0; i < opt.count; ++i) {
    const std::size_t start = out.size();
    booking(out, rng, i, companies, guests, opt);
    if (opt.bad > 0 && rng.chance(opt.bad)) damage(out, start, rng);
    out += '\n';
    if (out.size() >= (1 << 20)) {
      if (!sink(out)) return false;
      out.clear();
    }
  }
  return out.empty() || sink(out);
}

std::string generate_bookings(const GenOptions& opt) {
  std::string all;
  generate_bookings(opt, [&](std::string_view part) {
    all += part;
    return true;
  });
  return all;
}

}  // namespace hubrules::bench
