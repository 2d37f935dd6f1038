// Receives Back-in-Stock webhooks: verifies each body with the app's public key and prints the
// event, answering 200 at once (Wix wants an answer within 1250 ms; heavy work belongs after it).
//
//   webhook_receiver --public-key FILE [--port N] [--max-events N]
//
// Prints its URL on the first line, then one line per event. Bodies that fail verification get
// 400 and a line on standard error.

#include <httplib.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "wix/backinstock/backinstock.h"

namespace hooks = wix::backinstock::webhooks;

namespace {
const char* name(hooks::EventType type) {
  switch (type) {
    case hooks::EventType::kCreated:
      return "created";
    case hooks::EventType::kUpdated:
      return "updated";
    case hooks::EventType::kDeleted:
      return "deleted";
  }
  return "?";
}
}  // namespace

int main(int argc, char** argv) {
  std::string key_file;
  int port = 0;
  long max_events = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i];
    if (arg == "--public-key") {
      key_file = argv[i + 1];
    } else if (arg == "--port") {
      port = std::atoi(argv[i + 1]);
    } else if (arg == "--max-events") {
      max_events = std::atol(argv[i + 1]);
    }
  }
  std::ifstream in(key_file);
  std::stringstream key;
  key << in.rdbuf();
  if (key_file.empty() || !in) {
    std::cerr << "usage: webhook_receiver --public-key FILE [--port N] [--max-events N]\n";
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  try {
    hooks::Verifier verifier(key.str());
    httplib::Server server;
    std::atomic<long> received{0};
    server.Post(".*", [&](const httplib::Request& req, httplib::Response& res) {
      try {
        auto event = verifier.verify(req.body);
        res.status = 200;
        std::cout << name(event.type) << " " << event.metadata.entity_id << " seq "
                  << event.metadata.entity_event_sequence.value_or(0) << " event "
                  << event.metadata.event_id;
        if (event.entity) {
          std::cout << " " << event.entity->email << " "
                    << wix::backinstock::to_string(event.entity->status);
        }
        std::cout << std::endl;
        if (max_events > 0 && ++received >= max_events) server.stop();
      } catch (const hooks::WebhookError& e) {
        res.status = 400;
        std::cerr << "rejected: " << e.what() << std::endl;
      }
    });
    int bound = port == 0 ? server.bind_to_any_port("127.0.0.1")
                          : (server.bind_to_port("127.0.0.1", port) ? port : -1);
    if (bound <= 0) {
      std::cerr << "cannot listen\n";
      return 1;
    }
    std::cout << "http://127.0.0.1:" << bound << std::endl;
    server.listen_after_bind();
  } catch (const wix::backinstock::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
