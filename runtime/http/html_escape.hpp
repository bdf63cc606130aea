#pragma once
// Text and attribute values made safe inside HTML: the admin page and the sandbox's authorize
// page put request data (names, reasons, redirect URIs) into markup.
#include <string>
#include <string_view>

namespace hubrules::runtime::http {

// & < > " ' become entities, so the result is safe both as text and inside a quoted attribute.
void append_html_escaped(std::string& out, std::string_view text);
std::string html_escape(std::string_view text);

}  // namespace hubrules::runtime::http
