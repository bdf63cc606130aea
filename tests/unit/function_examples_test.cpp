// Every standard function's documented examples run here too, one section per example.
#include <catch2/catch.hpp>

#include "engine/function_examples.hpp"

TEST_CASE("standard function examples hold", "[functions]") {
  const auto outcomes = hubrules::engine::run_function_examples();
  REQUIRE(outcomes.size() >= 40);
  for (const auto& o : outcomes) {
    INFO(o.function->name << ": " << o.example->expression);
    CHECK(o.actual == o.example->result);
  }
}

TEST_CASE("every standard function has examples and a signature", "[functions]") {
  for (const auto* f : hubrules::engine::standard_functions()) {
    INFO(f->name);
    CHECK(f->examples.size() >= 2);
    CHECK(f->signature.rfind(f->name, 0) == 0);
    CHECK(!f->summary.empty());
  }
}
