#include "runtime/notify/message.hpp"

#include <openssl/evp.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <random>

namespace hubrules::runtime::notify {

namespace {

bool is_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

// Split lines on CRLF, CR or LF.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r' && text[i] != '\n') continue;
    lines.push_back(text.substr(start, i - start));
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

// A header value must stay on its header line: a CR or LF would start a new header.
std::string single_line(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return out;
}

bool needs_encoding(std::string_view body) {
  if (!is_ascii(body)) return true;
  for (auto line : split_lines(body))
    if (line.size() > 998) return true;
  return false;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? std::string(separator) : "") + items[i];
  return out;
}

}  // namespace

std::string base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}


std::string rfc5322_date(TimePoint when) {
  static constexpr std::array<const char*, 7> days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[static_cast<std::size_t>(tm.tm_wday)],
                tm.tm_mday, months[static_cast<std::size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

std::string encode_header_text(std::string_view text) {
  std::string clean = single_line(text);
  if (is_ascii(clean)) return clean;
  // 39 bytes make 52 base64 characters: with "=?UTF-8?B?", "?=" and "Subject: " a line stays
  // under RFC 2047's 76 characters.
  constexpr std::size_t max_bytes = 39;
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < clean.size()) {
    std::size_t end = std::min(start + max_bytes, clean.size());
    while (end < clean.size() && end > start + 1 && (static_cast<unsigned char>(clean[end]) & 0xC0) == 0x80) --end;
    words.push_back("=?UTF-8?B?" + base64(std::string_view(clean).substr(start, end - start)) + "?=");
    start = end;
  }
  return join(words, "\r\n ");
}

std::string quoted_printable(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  auto lines = split_lines(text);
  for (std::size_t n = 0; n < lines.size(); ++n) {
    std::size_t column = 0;
    auto line = lines[n];
    for (std::size_t i = 0; i < line.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(line[i]);
      bool last = i + 1 == line.size();
      bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
      std::string piece = literal ? std::string(1, static_cast<char>(c)) : std::string{'=', hex[c >> 4], hex[c & 15]};
      if (column + piece.size() > 75) {
        out += "=\r\n";
        column = 0;
      }
      out += piece;
      column += piece.size();
    }
    out += "\r\n";
  }
  return out;
}

std::string make_message_id(TimePoint when, std::string_view from_address) {
  static std::atomic<unsigned> counter{0};
  std::random_device random;
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch()).count();
  auto at = from_address.rfind('@');
  std::string domain = at == std::string_view::npos ? "hubrules.invalid" : std::string(from_address.substr(at + 1));
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "<%lld.%u.%08x%08x@", static_cast<long long>(seconds), counter.fetch_add(1),
                random(), random());
  return buffer + single_line(domain) + ">";
}

std::string render_message(const EmailMessage& m) {
  bool encode = needs_encoding(m.body);
  std::string out;
  out += "From: " + single_line(m.from) + "\r\n";
  out += "To: " + single_line(join(m.to, ", ")) + "\r\n";
  out += "Subject: " + encode_header_text(m.subject) + "\r\n";
  out += "Date: " + rfc5322_date(m.date) + "\r\n";
  out += "Message-ID: " + (m.message_id.empty() ? make_message_id(m.date, m.from) : single_line(m.message_id)) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  // 8bit would need the relay's 8BITMIME; quoted-printable passes through any relay.
  out += std::string("Content-Transfer-Encoding: ") + (encode ? "quoted-printable" : "7bit") + "\r\n";
  out += "\r\n";
  if (encode) {
    out += quoted_printable(m.body);
  } else {
    for (auto line : split_lines(m.body)) out += std::string(line) + "\r\n";
  }
  return out;
}

std::string failure_subject(const FailureReport& report) {
  return "[hubrules] HubSpot連携エラー / HubSpot posting failed: " + single_line(report.connection);
}

std::string failure_body(const FailureReport& r) {
  std::string when = rfc5322_date(r.failed_at);
  std::string kept = std::to_string(r.kept_bookings);
  std::string where = r.state_file.empty() ? "" : " (" + r.state_file + ")";
  std::string out;
  out += "hubrules could not post bookings to HubSpot.\n\n";
  out += "Connection: " + r.connection + "\n";
  out += "Time:       " + when + "\n";
  out += "Reason:     " + r.reason + "\n";
  out += "Kept:       " + kept + " booking(s) are kept in the state store" + where + " and have not been lost.\n\n";
  out += "What to do: reconnect the HubSpot account with `hubrules connect`. The kept bookings are\n";
  out += "delivered once the connection works again (`hubrules retry` sends them at once).\n";
  out += "You receive at most one such email per week for this connection.\n\n";
  out += "----\n\n";
  out += "hubrules から HubSpot への予約データの送信に失敗しました。\n\n";
  out += "接続:   " + r.connection + "\n";
  out += "日時:   " + when + "\n";
  out += "理由:   " + r.reason + "\n";
  out += "保留中: " + kept + " 件の予約は状態ファイル" + where + "に保存されており、失われていません。\n\n";
  out += "対処:   `hubrules connect` で HubSpot アカウントを再接続してください。再接続後、保留中の予約は\n";
  out += "自動的に送信されます（`hubrules retry` ですぐに送信することもできます）。\n";
  out += "このメールは接続ごとに週に 1 通までしか送信されません。\n";
  return out;
}

}  // namespace hubrules::runtime::notify
