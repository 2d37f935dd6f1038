// wix-backinstock-emulator: serves the Back-in-Stock API from memory on a local port.

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "emulator.h"

namespace {

wix::backinstock::emulator::Emulator* g_emulator = nullptr;

void usage(std::ostream& out) {
  out << "usage: wix-backinstock-emulator [--host ADDR] [--port N] [--api-key KEY]...\n"
         "                                [--collecting]\n\n"
         "Serves the Wix Back-in-Stock API from memory. Prints its base URL on the first line\n"
         "of standard output, then serves until SIGINT or SIGTERM.\n\n"
         "  --host ADDR     address to listen on (default 127.0.0.1)\n"
         "  --port N        port to listen on (default 0: any free port)\n"
         "  --api-key KEY   accept only this Authorization value (repeatable; default: any)\n"
         "  --collecting    start with request collection on for Wix Stores\n"
         "\nEmulator-only routes: GET /_emulator/outbox, POST /_emulator/reset\n";
}

}  // namespace

int main(int argc, char** argv) {
  wix::backinstock::emulator::EmulatorOptions options;
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
