#pragma once
// The PEGTL grammar of rule files. Rules do not consume the blanks after them; sequences put
// `sp` between their parts, so every node's span ends at its last character.
// Each must<> names its failure in syntax_messages below: "CODE|message|help".
#include <tao/pegtl.hpp>

namespace hubrules::grammar::peg {

using namespace tao::pegtl;

struct comment : seq<one<'#'>, until<at<eolf>>> {};
struct blank : sor<one<' ', '\t', '\r', '\n'>, comment> {};
struct sp : star<blank> {};
// Blanks within a line: what follows `=` or `when` must start on the same line, so a missing
// expression is reported where it is missing instead of swallowing the next line.
struct sp_line : star<sor<one<' ', '\t'>, comment>> {};

struct ident_first : ranges<'a', 'z', 'A', 'Z', '_'> {};
struct ident_other : ranges<'a', 'z', 'A', 'Z', '0', '9', '_'> {};
struct identifier : seq<ident_first, star<ident_other>> {};

template <typename Word> struct kw : seq<Word, not_at<ident_other>> {};
struct kw_rules : kw<TAO_PEGTL_STRING("rules")> {};
struct kw_let : kw<TAO_PEGTL_STRING("let")> {};
struct kw_when : kw<TAO_PEGTL_STRING("when")> {};
struct kw_dedupe : kw<TAO_PEGTL_STRING("dedupe")> {};
struct kw_by : kw<TAO_PEGTL_STRING("by")> {};
struct kw_associate : kw<TAO_PEGTL_STRING("associate")> {};
struct kw_with : kw<TAO_PEGTL_STRING("with")> {};
struct kw_freemail : kw<TAO_PEGTL_STRING("freemail")> {};
struct kw_add : kw<TAO_PEGTL_STRING("add")> {};
struct kw_remove : kw<TAO_PEGTL_STRING("remove")> {};
struct kw_if : kw<TAO_PEGTL_STRING("if")> {};
struct kw_then : kw<TAO_PEGTL_STRING("then")> {};
struct kw_else : kw<TAO_PEGTL_STRING("else")> {};
struct kw_and : kw<TAO_PEGTL_STRING("and")> {};
struct kw_or : kw<TAO_PEGTL_STRING("or")> {};
struct kw_not : kw<TAO_PEGTL_STRING("not")> {};
struct kw_true : kw<TAO_PEGTL_STRING("true")> {};
struct kw_false : kw<TAO_PEGTL_STRING("false")> {};
struct kw_null : kw<TAO_PEGTL_STRING("null")> {};

// Words that cannot name a let or a function.
struct reserved : sor<kw_rules, kw_let, kw_when, kw_dedupe, kw_associate, kw_freemail, kw_if, kw_then,
                      kw_else, kw_and, kw_or, kw_not, kw_true, kw_false, kw_null> {};
struct name : seq<not_at<reserved>, identifier> {};

// --- literals
struct escape_code : sor<one<'"', '\\', '/', 'n', 't', 'r', 'b', 'f'>, seq<one<'u'>, rep<4, xdigit>>> {};
struct escape : seq<one<'\\'>, must<escape_code>> {};
struct string_char : sor<escape, not_one<'"', '\\', '\n', '\r'>> {};
struct string_body : until<one<'"'>, string_char> {};
struct string_literal : seq<one<'"'>, must<string_body>> {};
struct number_literal : seq<opt<one<'-'>>, plus<digit>, opt<one<'.'>, plus<digit>>, not_at<ident_other>> {};
struct true_literal : kw_true {};
struct false_literal : kw_false {};
struct null_literal : kw_null {};
struct literal : sor<string_literal, number_literal, true_literal, false_literal, null_literal> {};

// --- expressions
struct expression;
struct field_name : identifier {};
struct path_field : seq<one<'.'>, must<field_name>> {};
struct index_number : plus<digit> {};
struct close_bracket : one<']'> {};
struct index_key : sor<index_number, string_literal> {};
struct path_index : seq<one<'['>, sp, must<index_key>, sp, must<close_bracket>> {};
struct path : seq<name, star<sor<path_field, path_index>>> {};

struct argument_name : identifier {};
struct named_argument : seq<argument_name, sp, one<':'>, sp, must<expression>> {};
struct argument : sor<named_argument, expression> {};
struct close_call : one<')'> {};
struct arguments : opt<argument, star<sp, one<','>, sp, must<argument>>> {};
struct function_name : name {};
struct call : seq<function_name, sp, one<'('>, sp, arguments, sp, must<close_call>> {};

struct close_group : one<')'> {};
struct group : seq<one<'('>, sp, must<expression>, sp, must<close_group>> {};
struct conditional : seq<kw_if, sp, must<expression>, sp, must<kw_then>, sp, must<expression>, sp, must<kw_else>, sp,
                         must<expression>> {};
struct primary : sor<conditional, group, literal, call, path> {};

struct equal_op : TAO_PEGTL_STRING("==") {};
struct not_equal_op : TAO_PEGTL_STRING("!=") {};
struct operand : primary {};
struct comparison : seq<primary, opt<sp, sor<equal_op, not_equal_op>, sp, must<operand>>> {};
struct negated;
struct negation : sor<seq<kw_not, sp, must<negated>>, comparison> {};
struct negated : seq<negation> {};  // seq<>: a node of its own (a derived rule is not one)
struct conjunction : seq<negation, star<sp, kw_and, sp, must<negation>>> {};
struct disjunction : seq<conjunction, star<sp, kw_or, sp, must<conjunction>>> {};
struct expression : seq<disjunction> {};  // seq<>: a disjunction node of its own

// --- statements
struct version_number : plus<digit> {};
struct version_line : seq<kw_rules, sp, must<version_number>> {};

struct let_name : name {};
struct equals : one<'='> {};
struct let_statement : seq<kw_let, sp, must<let_name>, sp, must<equals>, sp_line, must<expression>> {};
struct guard_statement : seq<kw_when, sp_line, must<expression>> {};

struct object_name : identifier {};
struct open_block : one<'{'> {};
struct block_guard : seq<kw_when, sp_line, must<expression>> {};
struct block_head : seq<object_name, sp, sor<seq<block_guard, sp, must<open_block>>, open_block>> {};

struct property_name : identifier {};
struct assignment : seq<property_name, sp, must<equals>, sp_line, must<expression>> {};
struct dedupe_key : identifier {};
struct dedupe : seq<kw_dedupe, sp, must<kw_by>, sp, must<dedupe_key>, star<sp, kw_or, sp, must<dedupe_key>>> {};
struct block_item : sor<dedupe, assignment> {};
struct close_block : one<'}'> {};

struct associate_from : identifier {};
struct associate_to : identifier {};
struct associate_statement : seq<kw_associate, sp, must<associate_from>, sp, must<kw_with>, sp, must<associate_to>> {};

struct freemail_domain : string_literal {};
struct freemail_action : sor<kw_add, kw_remove> {};
struct freemail_statement
    : seq<kw_freemail, sp, must<freemail_action>, sp, must<freemail_domain>, star<sp, one<','>, sp, must<freemail_domain>>> {};

struct statement : sor<version_line, let_statement, guard_statement, associate_statement, freemail_statement, block_head> {};
struct expression_only : seq<sp, expression, sp, eof> {};

// Messages for failed must<>: "CODE|message|help".
struct syntax_messages {
  template <typename Rule> static constexpr const char* message = nullptr;
};
template <> inline constexpr const char* syntax_messages::message<escape_code> =
    "E102|unknown escape sequence in string|the escapes are \\\" \\\\ \\/ \\n \\t \\r \\b \\f and \\uXXXX";
template <> inline constexpr const char* syntax_messages::message<string_body> =
    "E101|unterminated string|close the string with `\"` on the same line";
template <> inline constexpr const char* syntax_messages::message<field_name> =
    "E100|expected a field name after `.`|write a path as `booking.event.id`; quote odd names as `booking.event[\"x-y\"]`";
template <> inline constexpr const char* syntax_messages::message<index_key> =
    "E100|expected an index or a quoted field name after `[`|";
template <> inline constexpr const char* syntax_messages::message<close_bracket> = "E100|expected `]`|";
template <> inline constexpr const char* syntax_messages::message<expression> =
    "E100|expected an expression|an expression is a literal, a path such as `booking.event.id`, a let name, a call such as `lower(x)`, or `if … then … else …`";
template <> inline constexpr const char* syntax_messages::message<argument> = "E100|expected an argument after `,`|";
template <> inline constexpr const char* syntax_messages::message<close_call> =
    "E100|expected `)` to close the argument list|separate arguments with `,`";
template <> inline constexpr const char* syntax_messages::message<close_group> = "E100|expected `)`|";
template <> inline constexpr const char* syntax_messages::message<kw_then> =
    "E100|expected `then`|write `if condition then value else other`";
template <> inline constexpr const char* syntax_messages::message<kw_else> =
    "E100|expected `else`|`if … then …` needs an `else` branch; use `else null` for none";
template <> inline constexpr const char* syntax_messages::message<operand> = "E100|expected a value to compare with|";
template <> inline constexpr const char* syntax_messages::message<negated> = "E100|expected an expression after `not`|";
template <> inline constexpr const char* syntax_messages::message<negation> = "E100|expected an expression after the operator|";
template <> inline constexpr const char* syntax_messages::message<conjunction> = "E100|expected an expression after `or`|";
template <> inline constexpr const char* syntax_messages::message<version_number> =
    "E100|expected the language version after `rules`|the first line of a rule file reads `rules 1`";
template <> inline constexpr const char* syntax_messages::message<let_name> =
    "E100|expected a name after `let`|names are letters, digits and `_`, not a keyword";
template <> inline constexpr const char* syntax_messages::message<equals> = "E100|expected `=`|write `name = expression`";
template <> inline constexpr const char* syntax_messages::message<open_block> =
    "E100|expected `{` to open the block|write `contacts { … }` or `companies when condition { … }`";
template <> inline constexpr const char* syntax_messages::message<kw_by> = "E100|expected `by` after `dedupe`|write `dedupe by email` or `dedupe by domain or name`";
template <> inline constexpr const char* syntax_messages::message<dedupe_key> = "E100|expected a property name|";
template <> inline constexpr const char* syntax_messages::message<associate_from> =
    "E100|expected an object after `associate`|write `associate contacts with companies`";
template <> inline constexpr const char* syntax_messages::message<kw_with> =
    "E100|expected `with`|write `associate contacts with companies`";
template <> inline constexpr const char* syntax_messages::message<associate_to> =
    "E100|expected an object after `with`|write `associate contacts with companies`";
template <> inline constexpr const char* syntax_messages::message<freemail_action> =
    "E100|expected `add` or `remove` after `freemail`|write `freemail add \"example.jp\"`";
template <> inline constexpr const char* syntax_messages::message<freemail_domain> =
    "E100|expected a quoted domain|write `freemail remove \"nifty.com\", \"biglobe.ne.jp\"`";

// Turns a failed must<Rule> into a parse_error carrying the rule's message.
template <typename Rule>
struct control : normal<Rule> {
  template <typename ParseInput, typename... States>
  [[noreturn]] static void raise(const ParseInput& in, States&&...) {
    constexpr const char* m = syntax_messages::message<Rule>;
    throw parse_error(m != nullptr ? m : "E100|syntax error|", in);
  }
};

}  // namespace hubrules::grammar::peg
