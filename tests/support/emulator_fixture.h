#pragma once

// One fixture for tests against the emulator: a fresh emulator per test, started on a free port,
// and client options that reach it with an API key for site `site-1`.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

#include "wix/backinstock/backinstock.h"
#include "wix/backinstock/testing/emulator.h"

namespace wix::backinstock::test_support {

class EmulatorFixture : public ::testing::Test {
 protected:
  /// Options of a site that collects requests from the start (most tests want that).
  static emulator::EmulatorOptions collecting() {
    emulator::EmulatorOptions options;
    options.collecting_by_default = true;
    return options;
  }

  explicit EmulatorFixture(emulator::EmulatorOptions options = collecting())
      : emulator_(std::make_unique<emulator::Emulator>(std::move(options))) {
    emulator_->start();
  }

  /// Base URL and key of the emulator; retries fast (1-5 ms backoff).
  ClientOptions client_options() const {
    ClientOptions o;
    o.base_url = emulator_->url();
    o.credentials = ApiKeyCredentials::for_site("test-key", "site-1");
    o.retry.initial_delay = std::chrono::milliseconds(1);
    o.retry.max_delay = std::chrono::milliseconds(5);
    return o;
  }

  Client client() const { return Client(client_options()); }

  /// What the emulator would have e-mailed: `{"reports": [...], "notifications": [...]}`.
  nlohmann::json outbox() const { return nlohmann::json::parse(emulator_->outbox_json()); }

  std::unique_ptr<emulator::Emulator> emulator_;
};

}  // namespace wix::backinstock::test_support
