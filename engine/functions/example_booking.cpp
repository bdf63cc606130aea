// The booking the standard functions' examples run against: TimeRex's documented sample payload,
// with two custom questions and a multiple-choice answer added.
#include "engine/function.hpp"

namespace hubrules::engine {

std::string_view example_booking_json() {
  return R"({"webhook_type":"event_confirmed","calendar_url_path":"215aa110","team_url_path":"mixtend_e6ed",
"calendar_url":"https://timerex.net/s/mixtend_e6ed/215aa110","calendar_name":"sample",
"event":{"id":"1981d18a994f60e7bcc2","status":1,"duration":60,
"start_datetime":"2020-08-26T09:00:00+00:00","end_datetime":"2020-08-26T10:00:00+00:00",
"calendar_timezone":"Asia/Tokyo","guest_locale":"ja","created_at":"2020-08-20T02:22:40+00:00",
"online_meeting_provider":"zoom","hosts":[{"name":"Mixtend Demo","email":"demo@mixtend.com"}],
"form":[{"field_type":"company_name","required":false,"label":"会社名","value":"Mixtend"},
{"field_type":"guest_name","required":true,"label":"名前","value":"Tomohiro Kitano"},
{"field_type":"guest_email","required":true,"label":"メールアドレス","value":"guest@mixtend.com"},
{"field_type":"guest_phone","required":false,"label":"電話番号","value":"0312345678"},
{"field_type":"custom_text","required":false,"label":"役職","value":" 営業部長　"},
{"field_type":"custom_text","required":false,"label":"従業員数","value":"1,000"},
{"field_type":"custom_checkbox","required":false,"label":"ご興味のある製品","value":["CRM","MA"]},
{"field_type":"guest_comment","required":false,"label":"コメント","value":""}],
"url_params":[{"utm_source":"example"},{"utm_campaign":"spring"}]}})";
}

}  // namespace hubrules::engine
