#pragma once
// Which grammar rules become nodes of the PEGTL parse tree that parser.cpp turns into the AST.
#include <tao/pegtl/contrib/parse_tree.hpp>

#include "grammar/rules_grammar.hpp"

namespace hubrules::grammar::peg {

template <typename Rule>
using selector = parse_tree::selector<
    Rule,
    parse_tree::store_content::on<string_literal, number_literal, true_literal, false_literal, null_literal, name,
                                  path, field_name, index_number, call, function_name, argument, argument_name,
                                  conditional, comparison, equal_op, not_equal_op, negation, kw_not, conjunction,
                                  disjunction, version_line, version_number, let_statement, let_name,
                                  guard_statement, block_head, object_name, block_guard, assignment, property_name,
                                  dedupe, dedupe_key, associate_statement, associate_from, associate_to,
                                  freemail_statement, freemail_action, freemail_domain>>;

}  // namespace hubrules::grammar::peg
