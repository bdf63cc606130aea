# The TimeRex → HubSpot mapping in jq (written for Debian's jq 1.6), a peer of hubrules in
# bench/run_mapping_bench.sh. Reads raw lines so that a damaged line becomes an error line:
#
#   jq -n -c -R --rawfile freemail rules/free-email-domains.txt -f bench/timerex.jq bookings.ndjson
#
# Prints one JSON line per input line, in order (the mapping is described in bench/README.md):
#   {"line":N,"booking":…,"contacts":{"properties":{…}}|null,"companies":{…}|null,"associate":…}
#   {"line":N,"booking":…,"skipped":"…"}
#   {"line":N,"booking":…,"error":{"code":"R001"|"R002","message":"…"}}

# Blanks: ASCII whitespace and the ideographic space U+3000.
def is_blank_char: . == " " or . == "\u3000" or . == "\t" or . == "\n" or . == "\r" or . == "\f" or . == "\u000b";
def trim:
  if . == "" then .
  elif (.[0:1] | is_blank_char) or (.[-1:] | is_blank_char)
  then sub("\\A[ \t\n\u000b\f\r\u3000]+"; "") | sub("[ \t\n\u000b\f\r\u3000]+\\z"; "")
  else . end;

# An answer as text: a string as is, a number or boolean as its JSON text, an array's items
# trimmed and the non-blank ones joined with ";"; trimmed; empty or null means absent (null).
# Objects never get here.
def scalar_text: if type == "string" then . else tojson end;
def answer_text:
  (if type == "string" then .
   elif type == "array" then map(select(. != null) | scalar_text | trim | select(. != "")) | join(";")
   elif type == "number" or type == "boolean" then tojson
   else null end)
  | if . == null then null else trim | if . == "" then null else . end end;

# Standard questions by field_type, custom ones by label: the first entry that has it.
def by_type($form; $t): (first($form[] | select(.field_type == $t)) // {}) | .value | answer_text;
def by_label($form; $l): (first($form[] | select(.label == $l)) // {}) | .value | answer_text;

# ASCII only, no blanks or controls, one "@", a local part, a domain with a dot and no empty label.
def valid_email:
  test("\\A[\\x21-\\x3f\\x41-\\x7e]+@[\\x21-\\x2d\\x2f-\\x3f\\x41-\\x7e]+(?:\\.[\\x21-\\x2d\\x2f-\\x3f\\x41-\\x7e]+)+\\z");

def has_cjk: test("[\u3040-\u30ff\u4e00-\u9fff]");

# {given, family}: blanks collapse; one token is the family name; a CJK name's first token is the
# family name, otherwise the last one is.
def split_name:
  (if test("[\t\n\u000b\f\r]") then gsub("[\t\n\u000b\f\r]"; " ") else . end
   | [split("\u3000")[] | split(" ")[] | select(. != "")]) as $t
  | if ($t | length) == 0 then {given: null, family: null}
    elif ($t | length) == 1 then {given: null, family: $t[0]}
    elif has_cjk then {given: ($t[1:] | join(" ")), family: $t[0]}
    else {given: ($t[:-1] | join(" ")), family: $t[-1]} end;

# Full-width digits become ASCII, "," and "，" go, then ^[0-9]+(\.[0-9]+)?$ or nothing.
def decimal:
  explode
  | map(if . >= 65296 and . <= 65305 then . - 65248 else . end | select(. != 44 and . != 65292))
  | implode
  | if test("\\A[0-9]+(?:\\.[0-9]+)?\\z") then tonumber else null end;

def nonnull: del(.[] | nulls);

# The shape rules, checked before the guard: the root is an object; event, when present and not
# null, an object; webhook_type a single value (not an array or object); event.form, when present
# and not null, an array of objects whose values are single values or arrays of single values.
def is_single: type != "object" and type != "array";
def shape_error:
  if type != "object" then "the booking is not a JSON object"
  elif (.event | . != null and type != "object") then "event is not an object"
  elif (.webhook_type | is_single | not) then "webhook_type is not a single value"
  elif (.event.form | . != null and type != "array") then "event.form is not an array"
  elif any(.event.form // [] | .[]; type != "object") then "an entry of event.form is not an object"
  elif any(.event.form // [] | .[].value;
           type == "object" or (type == "array" and any(.[]; is_single | not)))
  then "an answer (event.form[].value) is an object or holds an array or object"
  else null end;

def booking_id:
  if type == "object" and (.event | type) == "object"
  then .event.id | (if type == "string" then . elif type == "number" then tojson else null end)
  else null end;

def map_booking($n; $free):
  (.event.form // []) as $form
  | (by_type($form; "guest_email") | if . == null then null elif valid_email then ascii_downcase else null end) as $email
  | by_type($form; "company_name") as $company
  | by_type($form; "guest_phone") as $phone
  | (if $email == null then null
     else ($email | split("@")[1]) as $d | if $free[$d] then null else $d end end) as $domain
  | (if $email == null then null
     else (by_type($form; "guest_name") // "" | split_name) as $name
     | {properties: ({email: $email, firstname: $name.given, lastname: $name.family, phone: $phone,
                      company: $company, jobtitle: by_label($form; "役職")} | nonnull)} end) as $contacts
  | (if $company == null and $domain == null then null
     else {properties: ({name: $company, domain: $domain, phone: $phone,
                         numberofemployees: (by_label($form; "従業員数") | if . == null then null else decimal end)}
                        | nonnull)} end) as $companies
  | {line: $n, booking: booking_id, contacts: $contacts, companies: $companies,
     associate: ($contacts != null and $companies != null)};

# The free-mail list as an object used as a set.
($freemail | split("\n") | reduce (.[] | trim | select(. != "" and (startswith("#") | not))) as $d ({}; .[$d] = true))
  as $free
| foreach inputs as $raw (0; . + 1; . as $n
    | (try ($raw | fromjson | {doc: .}) catch {error: .}) as $parsed
    | if $parsed.error != null then
        {line: $n, booking: null, error: {code: "R001", message: "invalid JSON: \($parsed.error)"}}
      else $parsed.doc
        | shape_error as $why
        | if $why != null then {line: $n, booking: booking_id, error: {code: "R002", message: $why}}
          elif .webhook_type != "event_confirmed" then
            {line: $n, booking: booking_id, skipped: "webhook_type is not event_confirmed"}
          else map_booking($n; $free) end
      end)
