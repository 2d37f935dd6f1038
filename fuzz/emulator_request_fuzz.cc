// Fuzzes the emulator's request handling: the first line of the input is "METHOD target", the
// rest is the body. State is reset every 256 inputs so it cannot grow without bound.

#include <cstddef>
#include <cstdint>
#include <string>

#include "wix/backinstock/testing/emulator.h"

using namespace wix::backinstock;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static emulator::Emulator* e = [] {
    emulator::EmulatorOptions options;
    options.collecting_by_default = true;
    return new emulator::Emulator(options);
  }();
  static unsigned runs = 0;
  if (++runs % 256 == 0) e->reset();
  std::string input(reinterpret_cast<const char*>(data), size);
  auto newline = input.find('\n');
  std::string line = input.substr(0, newline);
  std::string body = newline == std::string::npos ? "" : input.substr(newline + 1);
  auto space = line.find(' ');
  std::string method = space == std::string::npos ? "GET" : line.substr(0, space);
  std::string target = space == std::string::npos ? line : line.substr(space + 1);
  if (target.empty() || target[0] != '/') target = "/" + target;
  const std::map<std::string, std::string> auth = {{"Authorization", "k"}, {"wix-site-id", "s"}};
  e->handle(method, target, auth, body);
  return 0;
}
