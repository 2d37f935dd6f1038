#include "wire.h"

#include "encoding.h"
#include "wix/backinstock/paths.h"

namespace wix::backinstock::internal {

std::string dot_r_parameter(std::string_view json) { return ".r=" + base64url_encode(json); }

WireCall query_call(std::string request_json) {
  if (request_json == R"({"query":{}})") return {"GET", kRequestsPath, "", ""};
  std::string parameter = dot_r_parameter(request_json);
  if (parameter.size() > kMaxQueryStringLength) {
    return {"POST", std::string(kRequestsPath) + "/query", "", std::move(request_json)};
  }
  return {"GET", kRequestsPath, std::move(parameter), ""};
}

}  // namespace wix::backinstock::internal
