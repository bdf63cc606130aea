#include "runtime/admin/admin_text.hpp"

#include <cstdlib>
#include <map>

#include "runtime/base/split.hpp"

namespace hubrules::runtime::admin {

namespace {

using Table = std::map<std::string_view, std::string_view>;

// Japanese for each English phrase of the page.
const Table& japanese() {
  static const Table table = {
      {"Access", "アクセス方法"},
      {"Admin token", "管理者トークン"},
      {"Associate the contact with the company.", "コンタクトを会社に関連付けます。"},
      {"Association", "関連付け"},
      {"Attempts", "試行回数"},
      {"Booking", "予約"},
      {"Booking {}", "予約 {}"},
      {"Bookings", "予約"},
      {"Bookings by state", "状態別の予約数"},
      {"Broken", "切断"},
      {"Cancel", "キャンセル"},
      {"Company", "会社"},
      {"Connect", "接続"},
      {"Connect again", "再接続"},
      {"Connect failed", "接続に失敗しました"},
      {"Connect needs the HubSpot app's client id and secret in the config ([oauth] client_id and client_secret_file).",
       "接続には設定ファイルに HubSpot アプリのクライアント ID とシークレットが必要です（[oauth] client_id と client_secret_file）。"},
      {"Connect needs the HubSpot app's client id and secret: [oauth] client_id and client_secret_file (or "
       "--oauth-client-id and --oauth-client-secret-file).",
       "接続には HubSpot アプリのクライアント ID とシークレットが必要です：[oauth] client_id と client_secret_file"
       "（または --oauth-client-id と --oauth-client-secret-file）。"},
      {"Connect was cancelled", "接続はキャンセルされました"},
      {"Connected", "接続しました"},
      {"Connected since", "接続日時"},
      {"Connected. Bookings are delivered through this connection now.", "接続しました。予約はこの接続で HubSpot に送られます。"},
      {"Connect failed. See the message on the connection's card and the log.", "接続に失敗しました。カードのメッセージとログを確認してください。"},
      {"Connection", "接続"},
      {"Connections", "接続"},
      {"Contact", "コンタクト"},
      {"Continue", "続ける"},
      {"Days left of the 180-day rule", "180日ルールの残り日数"},
      {"Dead letter {}", "読めなかった Webhook {}"},
      {"Disconnect", "接続解除"},
      {"Disconnect {}? The token is revoked at HubSpot and forgotten here; bookings wait (parked) until someone "
       "connects again.",
       "{} の接続を解除しますか？トークンは HubSpot で無効化され、ここからも削除されます。再接続されるまで予約は保留されます。"},
      {"Disconnected here; HubSpot did not confirm the revoke (see the log).",
       "ここでは接続を解除しました。HubSpot はトークンの無効化を確認していません（ログを参照）。"},
      {"Disconnected. Connect to deliver again.", "接続が解除されています。再び送るには接続してください。"},
      {"Disconnected: the token was revoked at HubSpot and forgotten here.", "接続を解除しました。トークンは HubSpot で無効化され、ここから削除されました。"},
      {"Error", "エラー"},
      {"HubSpot answered: {}", "HubSpot の応答：{}"},
      {"HubSpot no longer accepts this app's access: it was uninstalled or its access was revoked. Connect again.",
       "HubSpot がこのアプリのアクセスを受け付けなくなりました（アンインストールまたはアクセスの取り消し）。再接続してください。"},
      {"HubSpot portal (hub id)", "HubSpot ポータル（Hub ID）"},
      {"HubSpot portal {} is connected as {}.", "HubSpot ポータル {} を {} として接続しました。"},
      {"HubSpot refused the token. Connect again; if it keeps failing, check the app's settings in HubSpot.",
       "HubSpot がトークンを拒否しました。再接続してください。続く場合は HubSpot のアプリ設定を確認してください。"},
      {"HubSpot said", "HubSpot の応答"},
      {"HubSpot's answer has no code.", "HubSpot の応答に認可コードがありません。"},
      {"In HubSpot", "HubSpot での結果"},
      {"Integration", "連携"},
      {"Integrations", "連携"},
      {"Its bookings", "この連携の予約"},
      {"Last attempt", "最後の試行"},
      {"Last error email", "最後のエラーメール"},
      {"Last post", "最後の送信"},
      {"No association.", "関連付けなし。"},
      {"No booking matches.", "条件に合う予約はありません。"},
      {"No connection yet.", "接続はまだありません。"},
      {"No dead letter.", "読めなかった Webhook はありません。"},
      {"No such integration.", "その連携はありません。"},
      {"Not allowed.", "許可されていません。"},
      {"Not connected", "未接続"},
      {"Not found", "見つかりません"},
      {"Note: the integration expects {}; the account chosen was another portal.",
       "注意：連携は {} を使う設定ですが、選ばれたのは別のポータルです。"},
      {"Nothing posted yet.", "まだ何も送っていません。"},
      {"Nothing was posted for 180 days, so HubSpot ended the access. Connect again.",
       "180日間送信がなかったため HubSpot がアクセスを終了しました。再接続してください。"},
      {"Next try", "次の試行"},
      {"OAuth app", "OAuth アプリ"},
      {"OK", "正常"},
      {"Older →", "さらに古い予約 →"},
      {"Only a failed or parked booking can be retried.", "再試行できるのは失敗または保留の予約だけです。"},
      {"Only the calendar", "対象カレンダー"},
      {"Paste the webhook URL into TimeRex (calendar settings → Webhook), with the integration's secret as the "
       "authorization token.",
       "Webhook URL を TimeRex（カレンダー設定 → Webhook）に貼り付け、連携のシークレットを認証トークンに設定してください。"},
      {"Private app token", "非公開アプリのトークン"},
      {"Reason", "理由"},
      {"Received", "受信日時"},
      {"Received from", "受信日（から）"},
      {"Received until", "受信日（まで）"},
      {"Refused", "拒否されました"},
      {"Retry", "再試行"},
      {"Rule file", "ルールファイル"},
      {"Rules", "ルール"},
      {"Scopes", "スコープ"},
      {"Sections", "セクション"},
      {"Send a test booking", "テスト予約を送る"},
      {"Show", "表示"},
      {"Sign in", "サインイン"},
      {"Sign in first.", "先にサインインしてください。"},
      {"Sign out", "サインアウト"},
      {"Skipped", "スキップ"},
      {"State", "状態"},
      {"Status", "状態"},
      {"That is not the admin token.", "管理者トークンが違います。"},
      {"The app lacks a permission it needs. Connect again and allow every permission asked.",
       "アプリに必要な権限がありません。再接続し、求められた権限をすべて許可してください。"},
      {"The booking is queued again.", "予約を再びキューに入れました。"},
      {"The file on disk checks clean.", "ディスク上のファイルはチェックに通ります。"},
      {"The file on disk now, as hubrules check prints it:", "ディスク上の現在のファイル（hubrules check の出力）："},
      {"The form was stale or not ours (CSRF). Open the page again.", "フォームが古いか、このサイトのものではありません（CSRF）。ページを開き直してください。"},
      {"The integration's rules do not check now.", "この連携のルールは現在チェックに通りません。"},
      {"The test booking was refused", "テスト予約は拒否されました"},
      {"The test booking was taken in; its delivery shows below.", "テスト予約を受け付けました。送信の結果は下に表示されます。"},
      {"The token is the one hubrules serve was started with (HUBRULES_ADMIN_TOKEN or --admin-token-file).",
       "hubrules serve の起動時に指定したトークンです（HUBRULES_ADMIN_TOKEN または --admin-token-file）。"},
      {"The webhook", "Webhook"},
      {"The webhook was dropped after the retention time.", "保存期間が過ぎたため Webhook は削除されました。"},
      {"There is no such page or booking.", "そのページまたは予約はありません。"},
      {"This sign-in link is not ours or has expired. Start Connect again.", "このリンクは無効か期限切れです。もう一度「接続」から始めてください。"},
      {"Too many failed sign-ins. Try again in {} seconds.", "サインインの失敗が続きました。{} 秒後にもう一度お試しください。"},
      {"Used by", "使用している連携"},
      {"Waiting for the connection", "接続待ち"},
      {"Webhook URL for TimeRex", "TimeRex に設定する Webhook URL"},
      {"Webhooks that could not be read as bookings; fix the sender or the rules, then TimeRex's resend takes them in.",
       "予約として読めなかった Webhook です。送信元かルールを直せば、TimeRex の再送で取り込まれます。"},
      {"What the rules made of it", "ルールによる変換結果"},
      {"Yes, disconnect", "接続を解除する"},
      {"a private app's token", "非公開アプリのトークン"},
      {"all", "すべて"},
      {"associated", "関連付け済み"},
      {"check clean", "問題なし"},
      {"check with warnings", "警告あり"},
      {"created", "作成"},
      {"dead letters", "読めなかった Webhook"},
      {"delivered", "送信済み"},
      {"do not check", "エラーあり"},
      {"failed", "失敗"},
      {"found (duplicate)", "既存（重複）"},
      {"invalid", "不正"},
      {"none", "なし"},
      {"not associated", "関連付けなし"},
      {"parked", "保留"},
      {"pending", "処理待ち"},
      {"post a booking or connect again before then, or HubSpot ends the access",
       "それまでに予約を送るか再接続しないと HubSpot がアクセスを終了します"},
      {"skipped", "スキップ"},
      {"{} days", "{} 日"},
  };
  return table;
}

double q_value(std::string_view params) {
  const auto q = params.find("q=");
  return q == std::string_view::npos ? 1.0 : std::atof(std::string(params.substr(q + 2)).c_str());
}

}  // namespace

Lang language_from(std::string_view accept_language) {
  double best_q = 0;
  Lang best = Lang::en;
  for (auto item : split_nonempty(accept_language, ',')) {
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const auto semicolon = item.find(';');
    const auto tag = item.substr(0, semicolon);
    const double q = semicolon == std::string_view::npos ? 1.0 : q_value(item.substr(semicolon));
    const bool ja = tag.size() >= 2 && (tag[0] == 'j' || tag[0] == 'J') && (tag[1] == 'a' || tag[1] == 'A') &&
                    (tag.size() == 2 || tag[2] == '-');
    const bool en = tag.size() >= 2 && (tag[0] == 'e' || tag[0] == 'E') && (tag[1] == 'n' || tag[1] == 'N') &&
                    (tag.size() == 2 || tag[2] == '-');
    if ((ja || en) && q > best_q) {
      best_q = q;
      best = ja ? Lang::ja : Lang::en;
    }
  }
  return best;
}

bool has_japanese(std::string_view english) { return japanese().contains(english); }

std::string_view html_lang(Lang lang) { return lang == Lang::ja ? "ja" : "en"; }

std::string_view tr(Lang lang, std::string_view english) {
  if (lang == Lang::en) return english;
  const auto& table = japanese();
  const auto it = table.find(english);
  return it == table.end() ? english : it->second;
}

}  // namespace hubrules::runtime::admin
