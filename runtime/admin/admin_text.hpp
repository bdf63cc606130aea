#pragma once
// The page's words in English and Japanese (TimeRex's users are mostly in Japan), chosen by the
// browser's Accept-Language. The English text is the key: a phrase without a Japanese entry
// shows in English, never as a blank.
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace hubrules::runtime::admin {

enum class Lang { en, ja };

// The first of ja/en the header prefers (by q-value, then order); English otherwise.
Lang language_from(std::string_view accept_language);
std::string_view html_lang(Lang lang);

std::string_view tr(Lang lang, std::string_view english);
// For the test that every phrase of the page has its Japanese.
bool has_japanese(std::string_view english);

// tr() with {} placeholders filled.
template <typename... Args>
std::string trf(Lang lang, std::string_view english, Args&&... args) {
  return fmt::format(fmt::runtime(tr(lang, english)), std::forward<Args>(args)...);
}

}  // namespace hubrules::runtime::admin
