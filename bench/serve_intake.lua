-- wrk script for bench/run_serve_bench.sh: POSTs TimeRex booking webhooks to `hubrules serve`,
-- every request a booking never seen before (event.id and guest email made of the run tag, the
-- thread number and a per-thread counter), and prints one machine-readable summary line:
--
--   SERVE_BENCH_WRK {"requests":N,"non2xx":N,"socket_errors":N,"duration_s":S,"p50_ms":X,"p99_ms":X,...}
--
--   SERVE_BENCH_SECRET=s3cret SERVE_BENCH_RUN=tag wrk -t2 -c64 -d10s -s bench/serve_intake.lua \
--       http://127.0.0.1:PORT/webhooks/timerex
local threads = {}
local counter = 0
local head, mid, tail

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads)
end

function init(args)
  local secret = os.getenv("SERVE_BENCH_SECRET") or "s3cret"
  local run = os.getenv("SERVE_BENCH_RUN") or "run"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["x-timerex-authorization"] = secret
  -- A booking the rules map to a contact and a company: everything but the id and the email is
  -- the same in every request (the intake's cost does not depend on the answers).
  head = '{"webhook_type":"event_confirmed","calendar_url_path":"215aa110","team_url_path":"acme_sales",' ..
    '"calendar_url":"https://timerex.net/s/acme_sales/215aa110","calendar_name":"Product demo",' ..
    '"event":{"id":"' .. run .. "-" .. tostring(thread_no) .. "-"
  mid = '","status":1,"duration":60,"start_datetime":"2026-12-01T00:00:00+00:00",' ..
    '"end_datetime":"2026-12-01T01:00:00+00:00","local_start_datetime":"2026-12-01T09:00:00+09:00",' ..
    '"local_end_datetime":"2026-12-01T10:00:00+09:00","calendar_timezone":"Asia/Tokyo","guest_locale":"ja",' ..
    '"created_at":"2026-11-20T02:22:40+00:00","online_meeting_provider":"zoom",' ..
    '"hosts":[{"name":"Sales Team","email":"sales@example-host.co.jp"}],"form":[' ..
    '{"field_type":"company_name","required":false,"label":"会社名","value":"Logistics Design Inc."},' ..
    '{"field_type":"guest_name","required":true,"label":"名前","value":"翔太 Smith"},' ..
    '{"field_type":"guest_email","required":true,"label":"メールアドレス","value":"guest.' .. run .. "." ..
    tostring(thread_no) .. "."
  tail = '@logistics-design.example.co.jp"},' ..
    '{"field_type":"guest_phone","required":false,"label":"電話番号","value":"01713388591"},' ..
    '{"field_type":"custom_text","required":false,"label":"役職","value":"部長"},' ..
    '{"field_type":"custom_select","required":false,"label":"従業員数","value":"1,200"},' ..
    '{"field_type":"custom_textarea","required":false,"label":"ご相談内容","value":"デモを希望します。"}]}}'
end

function request()
  counter = counter + 1
  local n = tostring(counter)
  return wrk.format(nil, nil, nil, head .. n .. mid .. n .. tail)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'SERVE_BENCH_WRK {"requests":%d,"non2xx":%d,"socket_errors":%d,"duration_s":%.3f,' ..
    '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}\n',
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3))
end
