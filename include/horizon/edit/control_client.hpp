// The client side of horizond's control socket: a Unix stream socket, one JSON line request
// ({"command":"reload"} or {"command":"status"}) and one JSON line response ({"ok":true,...} or
// {"ok":false,"error":"..."}).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace horizon::edit {

/// The socket could not be reached, or the server did not answer one valid JSON line in time.
class ControlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Sends `request` to the socket at `path` and returns the response object. Throws ControlError.
nlohmann::json controlRequest(const std::string& path, const nlohmann::json& request,
                              std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace horizon::edit
