#include "runtime/sandbox/record_page.hpp"

#include "runtime/http/html_escape.hpp"

namespace hubrules::runtime::sandbox {

namespace {

using http::html_escape;

std::string type_id_of(const std::string& object) { return object == "contacts" ? "0-1" : "0-2"; }
std::string other_type_id(const std::string& object) { return object == "contacts" ? "0-2" : "0-1"; }

std::string property_rows(const Record& record) {
  std::string out = "<table id=\"properties\"><tbody>";
  for (const auto& [name, value] : record.properties)
    out += "<tr data-property=\"" + html_escape(name) + "\"><th scope=\"row\">" + html_escape(name) + "</th><td>" +
           html_escape(value) + "</td></tr>";
  return out + "</tbody></table>";
}

std::string association_list(const Record& record, std::int64_t hub_id, const std::vector<std::int64_t>& associated) {
  if (associated.empty()) return "<p id=\"associations\">No associated records.</p>";
  std::string out = "<ul id=\"associations\">";
  const std::string base = "/contacts/" + std::to_string(hub_id) + "/record/" + other_type_id(record.object) + "/";
  for (const auto id : associated)
    out += "<li><a href=\"" + base + std::to_string(id) + "\">" + std::to_string(id) + "</a></li>";
  return out + "</ul>";
}

}  // namespace

std::string render_record_page(const Record& record, std::int64_t hub_id, const std::vector<std::int64_t>& associated) {
  const std::string kind = record.object == "contacts" ? "Contact" : "Company";
  const std::string title = kind + " " + std::to_string(record.id);
  return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>" + title +
         " — HubSpot sandbox</title><style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;"
         "padding:0 1rem}th{text-align:left;padding-right:1rem}</style></head><body><h1 id=\"record\" data-object=\"" +
         type_id_of(record.object) + "\">" + title + "</h1><p>Sandbox portal " + std::to_string(hub_id) + "</p>" +
         property_rows(record) + "<h2>Associated</h2>" + association_list(record, hub_id, associated) + "</body></html>";
}

}  // namespace hubrules::runtime::sandbox
