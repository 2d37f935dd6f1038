// wix-backinstock-emulator: serves the Back-in-Stock API from memory on a local port.

#include <pthread.h>
#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "wix/backinstock/testing/emulator.h"
#include "wix/backinstock/version.h"

namespace {

namespace emu = wix::backinstock::emulator;

constexpr char kRoutes[] =
    "API routes, under /back-in-stock-service/v1/back-in-stock-notification-requests (R):\n"
    "  POST R/report-items-back-in-stock   POST R (create)   GET|DELETE R/{id}\n"
    "  PUT R/{id}/mark-as-notification-sent   GET R?.r=<base64url JSON> or POST R/query (query)\n"
    "  GET R/count-by-catalog-reference?.r=...   PUT R/settings (get settings, body {})\n"
    "  POST R/settings/start-collecting|stop-collecting\n"
    "Emulator-only routes: GET /_emulator/outbox, GET /_emulator/requests, POST /_emulator/reset,\n"
    "POST|DELETE /_emulator/faults, POST /_emulator/webhooks, POST /_emulator/revoke-tokens,\n"
    "POST /_emulator/seed {\"count\":N,\"catalogItems\":M} (N requests at once, up to 1000000)\n"
    "A query filter holds at most 200 operators ($in values not counted)\n"
    "A fault: {\"kind\":\"status\",\"status\":429,\"headers\":{\"Retry-After\":\"2\"},\"path\":"
    "\"/report-items-back-in-stock\"}\n"
    "  kinds: delay (delay_ms), status (status, body, headers), drop_before, drop_after,\n"
    "  truncated, malformed, html, oversized (size), close_after_read; method, path, times\n";

}  // namespace

int main(int argc, char** argv) {
  emu::EmulatorOptions options;
  std::vector<std::string> apps;
  long long token_lifetime = options.token_lifetime.count();
  long long keep_alive_ms = options.keep_alive_timeout.count();
  long long request_timeout_ms = options.request_timeout.count();
  std::string webhook_key_file;
  std::string public_key_out;
  std::string log_requests;
  std::string duplicate_create = "return";

  CLI::App app{
      "Serves the Wix Back-in-Stock API from memory. Prints its base URL on the first line of\n"
      "standard output, then serves until SIGINT or SIGTERM.",
      "wix-backinstock-emulator"};
  app.set_version_flag("--version",
                       std::string("wix-backinstock-emulator ") + wix::backinstock::kVersion);
  app.footer(kRoutes);
  app.add_option("--host", options.host, "address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "port to listen on (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--service-path-prefix", options.service_path_prefix,
                 "serve the API under this path, as a gateway would (\"\" for none)")
      ->capture_default_str();
  app.add_option("--api-key", options.api_keys,
                 "accept only this Authorization value (repeatable; default: any)");
  app.add_flag("--collecting", options.collecting_by_default,
               "start with request collection on for Wix Stores");
  app.add_option("--app", apps, "ID:SECRET of an app that may get tokens (repeatable)")
      ->check([](const std::string& v) -> std::string {
        auto colon = v.find(':');
        return colon == std::string::npos || colon == 0 || colon + 1 == v.size()
                   ? "expects ID:SECRET"
                   : "";
      });
  app.add_option("--legacy-refresh-token", options.legacy_refresh_tokens,
                 "a refresh token POST /oauth/access accepts for the --app apps (repeatable)");
  app.add_flag("--rotate-refresh-tokens", options.rotate_refresh_tokens,
               "stricter than the service is documented: every token answer rotates the refresh "
               "token, and a refresh token works once");
  app.add_option("--token-lifetime", token_lifetime, "expires_in of issued tokens, in seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--webhook-url", options.webhook_url,
                 "POST signed webhooks there on create/update/delete");
  app.add_option("--webhook-key", webhook_key_file, "PEM private key to sign webhooks")
      ->check(CLI::ExistingFile);
  app.add_option("--webhook-public-key-out", public_key_out,
                 "write the PEM public key that verifies them");
  app.add_option("--threads", options.threads,
                 "worker threads: requests served at once (idle connections hold none)")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_option("--keep-alive-timeout", keep_alive_ms,
                 "milliseconds an idle keep-alive connection is kept")
      ->check(CLI::Range(1LL, 3'600'000LL))
      ->capture_default_str();
  app.add_option("--max-connections", options.max_connections,
                 "connections open at once; more are closed when accepted (each takes a file "
                 "descriptor; the soft descriptor limit is raised to the hard one at start)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20))
      ->capture_default_str();
  app.add_option("--request-timeout", request_timeout_ms,
                 "milliseconds a request gets to arrive whole from its first byte; requests "
                 "still arriving hold no worker")
      ->check(CLI::Range(100LL, 3'600'000LL))
      ->capture_default_str();
  app.add_option("--max-body-bytes", options.max_body_bytes,
                 "larger request bodies get a JSON 413, unread")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40))
      ->capture_default_str();
  app.add_option("--max-url-bytes", options.max_target_bytes,
                 "longer request targets (path and query) get a JSON 414")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{16} << 20))
      ->capture_default_str();
  app.add_option("--log-requests", log_requests,
                 "one line per request on stderr: time, method, target, status, code, ms, "
                 "request id; =decoded also shows the JSON of .r parameters")
      ->expected(0, 1)
      ->default_str("plain")
      ->check(CLI::IsMember({"plain", "decoded"}));
  app.add_option("--duplicate-create", duplicate_create,
                 "Create of an existing reference and e-mail: return it (documented) or answer "
                 "409 ..._ALREADY_EXISTS")
      ->check(CLI::IsMember({"return", "conflict"}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help and --version, or a usage error
  }

  for (const auto& a : apps) {
    auto colon = a.find(':');
    options.apps.push_back({a.substr(0, colon), a.substr(colon + 1)});
  }
  options.token_lifetime = std::chrono::seconds(token_lifetime);
  options.keep_alive_timeout = std::chrono::milliseconds(keep_alive_ms);
  options.request_timeout = std::chrono::milliseconds(request_timeout_ms);
  // Every connection is a file descriptor: allow as many as the system lets this process have.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  options.duplicate_create = duplicate_create == "conflict"
                                 ? emu::EmulatorOptions::DuplicateCreate::kConflict
                                 : emu::EmulatorOptions::DuplicateCreate::kReturnExisting;
  if (app.count("--log-requests") > 0) {
    options.log_decoded_queries = log_requests == "decoded";
    auto lock = std::make_shared<std::mutex>();
    options.request_log = [lock](const std::string& line) {
      std::lock_guard<std::mutex> guard(*lock);
      std::cerr << line << '\n';
    };
  }
  if (!webhook_key_file.empty()) {
    std::ifstream in(webhook_key_file);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      std::cerr << "wix-backinstock-emulator: cannot read --webhook-key\n";
      return 2;
    }
    options.webhook_private_key_pem = text.str();
  }

  // SIGINT and SIGTERM are taken by this thread with sigwait, not by a handler: every thread the
  // emulator starts inherits the mask, and the stop runs outside signal context.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  try {
    emu::Emulator emulator(options);
    emulator.bind();
    if (!public_key_out.empty()) {
      std::ofstream out(public_key_out);
      out << emulator.webhook_public_key_pem();
      if (!out) {
        std::cerr << "wix-backinstock-emulator: cannot write " << public_key_out << "\n";
        return 1;
      }
    }
    emulator.start();
    std::cout << emulator.url() << std::endl;
    int received = 0;
    sigwait(&stop_signals, &received);
    // The stop cuts delays and deliveries short; a second signal ends the process at once.
    std::thread([&stop_signals] {
      int again = 0;
      sigwait(&stop_signals, &again);
      std::_Exit(128 + again);
    }).detach();
    emulator.stop();
  } catch (const std::exception& e) {
    std::cerr << "wix-backinstock-emulator: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
