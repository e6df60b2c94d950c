// Private to the dnstap module: where a writer sends its stream, parsed from "unix:PATH" or
// "file:PATH".
#pragma once

#include <optional>
#include <string>

namespace horizon::dnstap {

/// A parsed destination: a collector's unix socket, or a file.
struct Destination {
  enum class Kind { kUnix, kFile };
  Kind kind = Kind::kFile;
  std::string path;
};

/// "unix:PATH" (PATH fits a sockaddr_un) or "file:PATH" (fstrm writes "file:-" to stdout); nullopt
/// and *error (when not null) for anything else.
std::optional<Destination> parseDestination(const std::string& text, std::string* error);

}  // namespace horizon::dnstap
