#pragma once

// Reads files of tests/fixtures (example bodies of the wire contract, docs/wire.md).

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace wix::backinstock::test_support {

inline std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(WIX_TEST_FIXTURES_DIR) + "/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + name);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace wix::backinstock::test_support
