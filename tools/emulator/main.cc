// wix-backinstock-emulator: serves the Back-in-Stock API from memory on a local port.

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "emulator.h"

namespace {

wix::backinstock::emulator::Emulator* g_emulator = nullptr;

void usage(std::ostream& out) {
  out << "usage: wix-backinstock-emulator [--host ADDR] [--port N] [--api-key KEY]...\n"
         "         [--collecting] [--app ID:SECRET]... [--token-lifetime SECONDS]\n"
         "         [--webhook-url URL] [--webhook-key FILE] [--webhook-public-key-out FILE]\n\n"
         "Serves the Wix Back-in-Stock API from memory. Prints its base URL on the first line\n"
         "of standard output, then serves until SIGINT or SIGTERM.\n\n"
         "  --host ADDR     address to listen on (default 127.0.0.1)\n"
         "  --port N        port to listen on (default 0: any free port)\n"
         "  --api-key KEY   accept only this Authorization value (repeatable; default: any)\n"
         "  --collecting    start with request collection on for Wix Stores\n"
         "  --app ID:SECRET an app that may get tokens from POST /oauth2/token (repeatable)\n"
         "  --token-lifetime SECONDS  expires_in of issued tokens (default 14400)\n"
         "  --webhook-url URL         POST signed webhooks there on create/update/delete\n"
         "  --webhook-key FILE        PEM private key to sign webhooks (default: generated)\n"
         "  --webhook-public-key-out FILE  write the PEM public key that verifies them\n"
         "\nEmulator-only routes: GET /_emulator/outbox, POST /_emulator/reset,\n"
         "POST|DELETE /_emulator/faults, POST /_emulator/webhooks, POST /_emulator/revoke-tokens\n";
}

}  // namespace

int main(int argc, char** argv) {
  wix::backinstock::emulator::EmulatorOptions options;
  std::string public_key_out;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "wix-backinstock-emulator: " << arg << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      usage(std::cout);
      return 0;
    } else if (arg == "--host") {
      options.host = value();
    } else if (arg == "--port") {
      std::string v = value();
      char* end = nullptr;
      long port = std::strtol(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || port < 0 || port > 65535) {
        std::cerr << "wix-backinstock-emulator: --port expects 0..65535\n";
        return 2;
      }
      options.port = static_cast<int>(port);
    } else if (arg == "--api-key") {
      options.api_keys.push_back(value());
    } else if (arg == "--collecting") {
      options.collecting_by_default = true;
    } else if (arg == "--app") {
      std::string v = value();
      auto colon = v.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == v.size()) {
        std::cerr << "wix-backinstock-emulator: --app expects ID:SECRET\n";
        return 2;
      }
      options.apps.push_back({v.substr(0, colon), v.substr(colon + 1)});
    } else if (arg == "--token-lifetime") {
      std::string v = value();
      char* end = nullptr;
      long seconds = std::strtol(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || seconds <= 0) {
        std::cerr << "wix-backinstock-emulator: --token-lifetime expects a positive number\n";
        return 2;
      }
      options.token_lifetime = std::chrono::seconds(seconds);
    } else if (arg == "--webhook-url") {
      options.webhook_url = value();
    } else if (arg == "--webhook-key") {
      std::ifstream in(value());
      std::stringstream text;
      text << in.rdbuf();
      if (!in) {
        std::cerr << "wix-backinstock-emulator: cannot read --webhook-key\n";
        return 2;
      }
      options.webhook_private_key_pem = text.str();
    } else if (arg == "--webhook-public-key-out") {
      public_key_out = value();
    } else {
      std::cerr << "wix-backinstock-emulator: unknown argument " << arg << "\n";
      usage(std::cerr);
      return 2;
    }
  }
  std::signal(SIGPIPE, SIG_IGN);
  try {
    wix::backinstock::emulator::Emulator emulator(options);
    emulator.bind();
    if (!public_key_out.empty()) {
      std::ofstream out(public_key_out);
      out << emulator.webhook_public_key_pem();
      if (!out) {
        std::cerr << "wix-backinstock-emulator: cannot write " << public_key_out << "\n";
        return 1;
      }
    }
    g_emulator = &emulator;
    auto on_signal = [](int) {
      if (g_emulator != nullptr) g_emulator->stop();
    };
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::cout << emulator.url() << std::endl;
    emulator.run();
    g_emulator = nullptr;
  } catch (const std::exception& e) {
    std::cerr << "wix-backinstock-emulator: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
