// Catch2's own main() for probity_tests: a helper, not a test; the cases are in *_test.cc.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
