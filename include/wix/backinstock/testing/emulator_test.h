#pragma once

/// @file emulator_test.h
/// GoogleTest fixtures that put an in-process emulator behind your code's `Client` or
/// `AsyncClient`. Header-only: the `wix::backinstock_testing` library does not depend on
/// GoogleTest, so tests written with another framework use `Emulator` directly (a few lines, as
/// these fixtures do). Include this header only from GoogleTest programs.
///
///     class RestockTest : public wix::backinstock::testing::EmulatorTest {};
///     TEST_F(RestockTest, ReportsOnce) {
///       MyRestockService service(client());
///       service.on_restock("orchid");
///       EXPECT_EQ(emulator().outbox().reports.size(), 1u);
///     }

#include <gtest/gtest.h>

#include <memory>
#include <utility>

#include "wix/backinstock/async_client.h"
#include "wix/backinstock/client.h"
#include "wix/backinstock/testing/emulator.h"

namespace wix::backinstock::testing {

/// The options both fixtures start their emulator with: a site that collects requests from the
/// start, the request log kept, a free port on loopback.
inline emulator::EmulatorOptions default_emulator_options() {
  emulator::EmulatorOptions options;
  options.collecting_by_default = true;
  options.keep_log = true;
  return options;
}

/// Options of a client that reaches `server` with an API key for site `site-1`, retrying fast
/// (a test's faults are answered in milliseconds, not seconds).
inline ClientOptions client_options_for(const emulator::Emulator& server) {
  ClientOptions options;
  options.base_url = server.url();
  options.credentials = ApiKeyCredentials::for_site("test-key", "site-1");
  options.retry.initial_delay = std::chrono::milliseconds(1);
  options.retry.max_delay = std::chrono::milliseconds(5);
  return options;
}

/// The clients of one test, each made on first use and pointed at `server` (what both fixtures
/// below hand out).
class TestClients {
 public:
  /// A client of `server`.
  Client& client(const emulator::Emulator& server) {
    if (!client_) client_ = std::make_unique<Client>(client_options_for(server));
    return *client_;
  }
  /// An asynchronous client of `server`.
  AsyncClient& async_client(const emulator::Emulator& server) {
    if (!async_client_) async_client_ = std::make_unique<AsyncClient>(client_options_for(server));
    return *async_client_;
  }

 private:
  std::unique_ptr<Client> client_;
  std::unique_ptr<AsyncClient> async_client_;
};

/// A fresh emulator for each test, started before the test body and stopped after it.
class EmulatorTest : public ::testing::Test {
 protected:
  /// Starts an emulator with `options` (a derived fixture passes its own).
  explicit EmulatorTest(emulator::EmulatorOptions options = default_emulator_options())
      : emulator_(std::make_unique<emulator::Emulator>(std::move(options))) {
    emulator_->start();
  }

  /// This test's emulator.
  emulator::Emulator& emulator() { return *emulator_; }
  /// Options of a client pointed at this test's emulator (change them, then build a client).
  ClientOptions client_options() const { return client_options_for(*emulator_); }
  /// A client pointed at this test's emulator, made on first use.
  Client& client() { return clients_.client(*emulator_); }
  /// An asynchronous client pointed at this test's emulator, made on first use.
  AsyncClient& async_client() { return clients_.async_client(*emulator_); }

 private:
  std::unique_ptr<emulator::Emulator> emulator_;
  TestClients clients_;  // destroyed before the emulator
};

/// One emulator for the whole test suite (started once, which saves a little time per test),
/// reset before each test: every test starts from an empty store, outbox and log, and no fault.
/// It runs with `default_emulator_options()`; a suite that needs others uses `EmulatorTest`.
class SharedEmulatorTest : public ::testing::Test {
 protected:
  /// Starts the suite's emulator.
  static void SetUpTestSuite() {
    server() = std::make_unique<emulator::Emulator>(default_emulator_options());
    server()->start();
  }
  /// Stops it.
  static void TearDownTestSuite() { server().reset(); }
  /// Resets it: each test starts from an empty emulator.
  void SetUp() override { server()->reset(); }

  /// The suite's emulator.
  static emulator::Emulator& emulator() { return *server(); }
  /// Options of a client pointed at it.
  static ClientOptions client_options() { return client_options_for(*server()); }
  /// A client for this test (the suite's emulator; a new client per test).
  Client& client() { return clients_.client(*server()); }
  /// An asynchronous client for this test.
  AsyncClient& async_client() { return clients_.async_client(*server()); }

 private:
  static std::unique_ptr<emulator::Emulator>& server() {
    static std::unique_ptr<emulator::Emulator> instance;
    return instance;
  }
  TestClients clients_;
};

}  // namespace wix::backinstock::testing
