#include "runtime/admin/html.hpp"

#include "runtime/http/form_encoding.hpp"
#include "runtime/http/html_escape.hpp"

#include <cctype>

namespace hubrules::runtime::admin {

namespace {

// Small and readable on a phone: one column, system fonts, large tap targets.
constexpr std::string_view kStyle = R"(
body{font-family:system-ui,-apple-system,"Hiragino Sans","Noto Sans JP",sans-serif;margin:0;color:#1b1b1b;background:#f6f7f9;line-height:1.5}
header{background:#213343;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.8rem;align-items:center}
header a{color:#fff}header a[aria-current]{font-weight:700;text-decoration:underline}
header .brand{font-weight:700;margin-right:auto}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem}h2{font-size:1.15rem}
.card{background:#fff;border:1px solid #d5dbe1;border-radius:8px;padding:1rem;margin:0 0 1rem}
.ok{color:#0a6b2c}.broken,.error{color:#b00020}.warn{color:#8a4b00}
.notice{padding:.6rem 1rem;border-radius:6px;background:#e6f4ea;margin-bottom:1rem}
.notice.error{background:#fde7ea}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:.4rem;border-bottom:1px solid #e3e7eb;vertical-align:top}
td{overflow-wrap:anywhere}
pre{background:#fff;border:1px solid #d5dbe1;padding:.6rem;overflow-x:auto;white-space:pre-wrap}
button,.button{font:inherit;padding:.45rem .9rem;border-radius:6px;border:1px solid #213343;background:#213343;color:#fff;cursor:pointer;min-height:2.5rem}
button.secondary{background:#fff;color:#213343}.danger{background:#b00020;border-color:#b00020}
form.inline{display:inline}
label{display:block;font-weight:600;margin-top:.5rem}
input,select{font:inherit;padding:.4rem;max-width:100%}
.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
.counts{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;padding:0}.counts li{background:#fff;border:1px solid #d5dbe1;border-radius:6px;padding:.3rem .6rem}
@media (max-width:40rem){dl{grid-template-columns:1fr}th.optional,td.optional{display:none}}
)";

std::string nav_link(const Frame& f, std::string_view section, std::string_view label) {
  std::string out = "<a href=\"/admin/" + std::string(section) + "\"";
  if (f.section == section) out += " aria-current=\"page\"";
  return out + ">" + escape(tr(f.lang, label)) + "</a>";
}

}  // namespace

std::string escape(std::string_view text) { return http::html_escape(text); }

std::string url_encode(std::string_view text) { return http::form_url_encode(text); }

std::string csrf_field(std::string_view csrf) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(csrf) + "\">";
}

std::string button_form(std::string_view action, std::string_view csrf, std::string_view label, std::string_view id,
                        const Hidden& hidden, std::string_view button_class) {
  std::string out = "<form class=\"inline\" method=\"post\" action=\"" + escape(action) + "\">" + csrf_field(csrf);
  for (const auto& [name, value] : hidden)
    out += "<input type=\"hidden\" name=\"" + escape(name) + "\" value=\"" + escape(value) + "\">";
  out += "<button type=\"submit\" id=\"" + escape(id) + "\"";
  if (!button_class.empty()) out += " class=\"" + escape(button_class) + "\"";
  return out + ">" + escape(label) + "</button></form>";
}

std::string page(const Frame& f, std::string_view body) {
  std::string out = "<!doctype html><html lang=\"" + std::string(html_lang(f.lang)) + "\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>" +
                    escape(f.title) + " · hubrules</title><style>" + std::string(kStyle) + "</style></head><body><header>"
                    "<span class=\"brand\">hubrules</span>";
  if (!f.csrf.empty()) {
    out += "<nav aria-label=\"" + escape(tr(f.lang, "Sections")) + "\">" + nav_link(f, "connections", "Connections") + " " +
           nav_link(f, "integrations", "Integrations") + " " + nav_link(f, "bookings", "Bookings") + "</nav>";
    out += button_form("/admin/logout", f.csrf, tr(f.lang, "Sign out"), "sign-out", {}, "secondary");
  }
  out += "</header><main><h1>" + escape(f.title) + "</h1>";
  if (!f.notice.empty())
    out += std::string("<p class=\"notice") + (f.notice_is_error ? " error" : "") + "\" role=\"status\">" + escape(f.notice) + "</p>";
  out += body;
  return out + "</main></body></html>";
}

}  // namespace hubrules::runtime::admin
