// The two spellings of a dnstap destination, checked once for the config and again by open().
#include "destination.hpp"

#include <sys/un.h>

#include <string_view>

#include "horizon/dnstap/dnstap_writer.hpp"

namespace horizon::dnstap {
namespace {

void fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
}

}  // namespace

std::optional<Destination> parseDestination(const std::string& text, std::string* error) {
  const std::string_view view(text);
  Destination destination;
  std::string_view path;
  if (view.starts_with("unix:")) {
    destination.kind = Destination::Kind::kUnix;
    path = view.substr(5);
  } else if (view.starts_with("file:")) {
    destination.kind = Destination::Kind::kFile;
    path = view.substr(5);
  } else {
    fail(error, "dnstap destination '" + text + "' is neither unix:PATH nor file:PATH");
    return std::nullopt;
  }
  if (path.empty()) {
    fail(error, "dnstap destination '" + text + "' has no path");
    return std::nullopt;
  }
  if (path.find('\0') != std::string_view::npos) {
    fail(error, "dnstap destination has a NUL byte in its path");
    return std::nullopt;
  }
  // connect() takes the path in a fixed array, NUL included: a longer one cannot be reached.
  if (destination.kind == Destination::Kind::kUnix &&
      path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    fail(error, "dnstap socket path '" + std::string(path) + "' is longer than " +
                    std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes");
    return std::nullopt;
  }
  destination.path = std::string(path);
  return destination;
}

bool validDestination(const std::string& destination, std::string* error) {
  return parseDestination(destination, error).has_value();
}

}  // namespace horizon::dnstap
