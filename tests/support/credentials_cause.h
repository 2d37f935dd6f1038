#pragma once

// For tests of token endpoints through a client: a call whose credentials fail ends with a
// `CredentialsError` (nothing sent); `token_failure` rethrows what the token request itself threw,
// so that a test can check its type.

#include <gtest/gtest.h>

#include <exception>

#include "wix/backinstock/errors.h"

namespace wix::backinstock::test_support {

/// Runs `call`; when it throws `CredentialsError`, checks that it says nothing was sent and
/// rethrows its cause. Anything else passes through unchanged.
template <typename Call>
void token_failure(Call&& call) {
  try {
    call();
  } catch (const CredentialsError& e) {
    EXPECT_FALSE(e.may_have_reached_server()) << e.what();
    EXPECT_EQ(e.kind(), TransportError::Kind::kCredentials);
    std::rethrow_exception(e.cause());
  }
}

}  // namespace wix::backinstock::test_support
