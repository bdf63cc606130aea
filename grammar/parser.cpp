#include "grammar/parser.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include "grammar/parse_tree_selector.hpp"
#include "grammar/string_literal.hpp"

namespace hubrules::grammar {

namespace pegtl = tao::pegtl;
using Node = pegtl::parse_tree::node;

namespace {

constexpr std::size_t max_syntax_errors = 50;

// Converts parse-tree nodes into AST nodes, turning pointers into offsets of the source.
class TreeConverter {
 public:
  explicit TreeConverter(const SourceFile& src) : base_(src.text().data()) {}

  Span span(const Node& n) const {
    return {static_cast<std::uint32_t>(n.m_begin.data - base_), static_cast<std::uint32_t>(n.m_end.data - base_)};
  }
  Name name(const Node& n) const { return {n.string(), span(n)}; }

  ExprPtr expression(const Node& n) const {
    auto e = std::make_unique<Expr>();
    e->span = span(n);
    if (n.is_type<peg::disjunction>() || n.is_type<peg::conjunction>()) return chain(n);
    if (n.is_type<peg::negation>()) return negation(n);
    if (n.is_type<peg::comparison>()) return comparison(n);
    if (n.is_type<peg::conditional>()) {
      e->node = Conditional{expression(*n.children[0]), expression(*n.children[1]), expression(*n.children[2])};
    } else if (n.is_type<peg::call>()) {
      e->node = call(n);
    } else if (n.is_type<peg::path>()) {
      e->node = path(n);
    } else {
      e->node = literal(n);
    }
    return e;
  }

  Statement statement(const Node& n) const {
    const auto& c = n.children;
    if (n.is_type<peg::version_line>()) return VersionLine{c[0]->string(), span(n)};
    if (n.is_type<peg::let_statement>()) return Let{name(*c[0]), expression(*c[1]), span(n)};
    if (n.is_type<peg::guard_statement>()) return Guard{expression(*c[0]), span(n)};
    if (n.is_type<peg::associate_statement>()) return Associate{name(*c[0]), name(*c[1]), span(n)};
    if (n.is_type<peg::freemail_statement>()) return freemail(n);
    Block b;
    b.object = name(*c[0]);
    if (c.size() > 1) b.guard = expression(*c[1]->children[0]);
    b.span = span(n);
    return b;
  }

  void block_item(const Node& n, Block& block) const {
    const auto& c = n.children;
    if (n.is_type<peg::assignment>()) {
      block.assignments.push_back(Assignment{name(*c[0]), expression(*c[1]), span(n)});
      return;
    }
    Dedupe d{{}, span(n)};
    for (const auto& k : c) d.keys.push_back(name(*k));
    block.dedupes.push_back(std::move(d));
  }

 private:
  // `a and b and c`: a left-nested chain; a single child is just that child.
  ExprPtr chain(const Node& n) const {
    ExprPtr acc = expression(*n.children[0]);
    const BinaryOp op = n.is_type<peg::conjunction>() ? BinaryOp::logical_and : BinaryOp::logical_or;
    for (std::size_t i = 1; i < n.children.size(); ++i) {
      auto e = std::make_unique<Expr>();
      ExprPtr rhs = expression(*n.children[i]);
      e->span = {acc->span.begin, rhs->span.end};
      e->node = Binary{op, std::move(acc), std::move(rhs)};
      acc = std::move(e);
    }
    return acc;
  }

  ExprPtr negation(const Node& n) const {
    if (!n.children[0]->is_type<peg::kw_not>()) return expression(*n.children[0]);
    auto e = std::make_unique<Expr>();
    e->span = span(n);
    e->node = Not{expression(*n.children[1])};
    return e;
  }

  ExprPtr comparison(const Node& n) const {
    if (n.children.size() == 1) return expression(*n.children[0]);
    auto e = std::make_unique<Expr>();
    e->span = span(n);
    const BinaryOp op = n.children[1]->is_type<peg::equal_op>() ? BinaryOp::equal : BinaryOp::not_equal;
    e->node = Binary{op, expression(*n.children[0]), expression(*n.children[2])};
    return e;
  }

  Call call(const Node& n) const {
    Call c{n.children[0]->string(), span(*n.children[0]), {}};
    for (std::size_t i = 1; i < n.children.size(); ++i) {
      const Node& arg = *n.children[i];
      Argument a;
      if (arg.children.size() == 2) {
        a.name = arg.children[0]->string();
        a.name_span = span(*arg.children[0]);
      }
      a.value = expression(*arg.children.back());
      c.arguments.push_back(std::move(a));
    }
    return c;
  }

  Path path(const Node& n) const {
    Path p;
    for (const auto& step : n.children) {
      PathStep s{{}, -1, span(*step)};
      if (step->is_type<peg::index_number>()) {
        const auto text = step->string_view();
        if (std::from_chars(text.data(), text.data() + text.size(), s.index).ec != std::errc{}) s.index = 0x7fffffff;
      } else if (step->is_type<peg::string_literal>()) {
        s.field = unescape_string_literal(step->string_view());
      } else {
        s.field = step->string();
      }
      p.steps.push_back(std::move(s));
    }
    return p;
  }

  Literal literal(const Node& n) const {
    if (n.is_type<peg::string_literal>()) return {Literal::Kind::string, unescape_string_literal(n.string_view()), false};
    if (n.is_type<peg::number_literal>()) return {Literal::Kind::number, n.string(), false};
    if (n.is_type<peg::true_literal>()) return {Literal::Kind::boolean, "true", true};
    if (n.is_type<peg::false_literal>()) return {Literal::Kind::boolean, "false", false};
    return {Literal::Kind::null, "null", false};
  }

  FreeMailEdit freemail(const Node& n) const {
    FreeMailEdit f;
    f.add = n.children[0]->string_view() == "add";
    f.span = span(n);
    for (std::size_t i = 1; i < n.children.size(); ++i)
      f.domains.push_back({unescape_string_literal(n.children[i]->string_view()), span(*n.children[i])});
    return f;
  }

  const char* base_;
};

bool is_blank_char(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Walks a rule file statement by statement, reporting each syntax error and resuming at the
// next line that can start a statement (or the next block item inside a block).
class RecoveringParser {
 public:
  explicit RecoveringParser(const SourceFile& src) : src_(src), text_(src.text()), convert_(src) {}

  ParsedRules run() {
    ParsedRules out;
    if (const auto bad = invalid_utf8_offset()) {
      const auto at = static_cast<std::uint32_t>(*bad);
      out.diagnostics.push_back({"E107", Severity::error, {at, at + 1}, "the file is not valid UTF-8 here",
                                 "save the rule file as UTF-8"});
      out.rules.readable = false;
      return out;
    }
    while (skip_blanks() < text_.size() && out.diagnostics.size() < max_syntax_errors) {
      auto node = try_parse<peg::statement>(out.diagnostics);
      if (!node) continue;
      Statement st = convert_.statement(*node->children[0]);
      if (auto* block = std::get_if<Block>(&st)) block_body(*block, out.diagnostics);
      out.rules.statements.push_back(std::move(st));
    }
    for (const auto& d : out.diagnostics) out.rules.first_error = std::min(out.rules.first_error, d.span.begin);
    return out;
  }

  ParsedExpression expression() {
    ParsedExpression out;
    try {
      pegtl::memory_input in(text_.data(), text_.data() + text_.size(), src_.name());
      auto root = pegtl::parse_tree::parse<peg::expression_only, peg::selector, pegtl::nothing, peg::control>(in);
      if (root) return {convert_.expression(*root->children[0]), {}};
      skip_blanks();
      out.diagnostics.push_back(unexpected("E100", "expected an expression", ""));
    } catch (const pegtl::parse_error& e) {
      out.diagnostics.push_back(from_parse_error(e, 0));
    }
    return out;
  }

 private:
  // Parses Rule at pos_; on success returns the tree and moves past it, on failure reports and
  // resynchronises.
  template <typename Rule>
  std::unique_ptr<Node> try_parse(Diagnostics& diags, bool in_block = false) {
    const std::size_t start = pos_;
    try {
      pegtl::memory_input in(text_.data() + start, text_.data() + text_.size(), src_.name());
      auto root = pegtl::parse_tree::parse<Rule, peg::selector, pegtl::nothing, peg::control>(in);
      if (root) {
        pos_ = static_cast<std::size_t>(in.current() - text_.data());
        return root;
      }
      diags.push_back(in_block ? unexpected("E100", "expected `property = expression`, `dedupe by …` or `}`",
                                            "each line of a block maps one HubSpot property: `email = lower(x)`")
                               : unexpected("E100", "expected a statement",
                                            "statements start with `rules`, `let`, `when`, `contacts`, `companies`, "
                                            "`associate` or `freemail`"));
    } catch (const pegtl::parse_error& e) {
      diags.push_back(from_parse_error(e, start));
    }
    resync(in_block);
    return nullptr;
  }

  void block_body(Block& block, Diagnostics& diags) {
    const std::uint32_t open = block.span.end - 1;
    while (diags.size() < max_syntax_errors) {
      if (skip_blanks() >= text_.size() || starts_statement(pos_)) {
        diags.push_back({"E103", Severity::error, {open, open + 1}, "this block is never closed",
                         "add `}` after the block's last line"});
        return;
      }
      if (text_[pos_] == '}') {
        block.span.end = static_cast<std::uint32_t>(++pos_);
        return;
      }
      if (auto item = try_parse<peg::block_item>(diags, true)) convert_.block_item(*item->children[0], block);
      else block.has_syntax_errors = true;
    }
  }

  // Where the text stops being UTF-8, if it does.
  std::optional<std::size_t> invalid_utf8_offset() const {
    pegtl::memory_input in(text_.data(), text_.data() + text_.size(), src_.name());
    pegtl::parse<pegtl::star<pegtl::utf8::any>>(in);
    if (in.empty()) return std::nullopt;
    return static_cast<std::size_t>(in.current() - text_.data());
  }

  std::size_t skip_blanks() {
    while (pos_ < text_.size()) {
      if (is_blank_char(text_[pos_])) {
        ++pos_;
      } else if (text_[pos_] == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
    return pos_;
  }

  bool starts_word(std::size_t at, std::string_view word) const {
    return text_.substr(at, word.size()) == word &&
           (at + word.size() >= text_.size() || !is_ident_char(text_[at + word.size()]));
  }

  // True when the text at `at` can only be the start of a top-level statement.
  bool starts_statement(std::size_t at) const {
    for (std::string_view w : {"rules", "let", "when", "associate", "freemail"})
      if (starts_word(at, w)) return true;
    for (std::string_view w : {"contacts", "companies"}) {
      if (!starts_word(at, w)) continue;
      std::size_t i = at + w.size();
      while (i < text_.size() && (text_[i] == ' ' || text_[i] == '\t')) ++i;
      if (i < text_.size() && text_[i] == '{') return true;
    }
    return false;
  }

  // Moves to the next line that can start a statement; inside a block to the next line, or to a
  // `}` later on the failed line, which closes the block.
  void resync(bool in_block) {
    if (in_block) {
      const std::size_t eol = std::min(text_.find('\n', pos_), text_.size());
      const std::size_t close = text_.find('}', pos_);
      if (close < eol) {
        pos_ = close;
        return;
      }
    }
    for (;;) {
      while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      if (pos_ >= text_.size()) return;
      std::size_t at = ++pos_;
      while (at < text_.size() && (text_[at] == ' ' || text_[at] == '\t')) ++at;
      if (in_block || starts_statement(at) || (at < text_.size() && text_[at] == '}')) return;
    }
  }

  // The width of the token at `at`, for the caret: an identifier, or one UTF-8 character.
  std::uint32_t token_width(std::size_t at) const {
    if (at >= text_.size()) return 0;
    std::size_t end = at;
    while (end < text_.size() && is_ident_char(text_[end])) ++end;
    if (end > at) return static_cast<std::uint32_t>(end - at);
    end = at + 1;
    while (end < text_.size() && (static_cast<unsigned char>(text_[end]) & 0xC0) == 0x80) ++end;
    return static_cast<std::uint32_t>(end - at);
  }

  Diagnostic unexpected(std::string code, std::string message, std::string help) const {
    const auto at = static_cast<std::uint32_t>(pos_);
    return {std::move(code), Severity::error, {at, at + token_width(at)}, std::move(message), std::move(help)};
  }

  // An error found after a line break points at the end of the line before it, where the
  // missing piece belongs.
  std::size_t caret_offset(std::size_t at) const {
    std::size_t back = at;
    while (back > 0 && is_blank_char(text_[back - 1])) --back;
    return text_.substr(back, at - back).find('\n') != std::string_view::npos ? back : at;
  }

  Diagnostic from_parse_error(const pegtl::parse_error& e, std::size_t base) const {
    const std::string_view m = e.message();
    const std::size_t bar1 = m.find('|'), bar2 = m.find('|', bar1 + 1);
    const std::size_t raw = base + (e.positions().empty() ? 0 : e.positions().front().byte);
    const std::size_t at = caret_offset(raw);
    const auto begin = static_cast<std::uint32_t>(at);
    const std::uint32_t width = at == raw ? token_width(at) : 1;
    return {std::string(m.substr(0, bar1)), Severity::error, {begin, begin + width},
            std::string(m.substr(bar1 + 1, bar2 - bar1 - 1)), std::string(m.substr(bar2 + 1))};
  }

  const SourceFile& src_;
  std::string_view text_;
  TreeConverter convert_;
  std::size_t pos_ = 0;
};

}  // namespace

ParsedRules parse_rules(const SourceFile& source) { return RecoveringParser(source).run(); }

ParsedExpression parse_expression(const SourceFile& source) { return RecoveringParser(source).expression(); }

}  // namespace hubrules::grammar
