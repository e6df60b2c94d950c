// The nsid and cookie settings, checked and turned into the EDNS responder's settings.
#include <stdexcept>

#include "horizon/config/server_config.hpp"

namespace horizon::config {
namespace {

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

edns::EdnsSettings buildEdnsSettings(const ServerConfig& config) {
  edns::EdnsSettings settings;
  if (config.nsid.size() > edns::kMaxNsidSize)
    throw std::runtime_error("nsid: " + std::to_string(config.nsid.size()) + " octets, at most " +
                             std::to_string(edns::kMaxNsidSize));
  settings.nsid = config.nsid;
  settings.identity_in_chaos = config.identity_chaos;
  settings.cookies = config.cookies;
  if (!config.cookie_secret.empty()) {
    edns::SipKey key{};
    bool ok = config.cookie_secret.size() == 2 * key.size();
    for (std::size_t i = 0; ok && i < key.size(); ++i) {
      const int high = hexDigit(config.cookie_secret[2 * i]);
      const int low = hexDigit(config.cookie_secret[2 * i + 1]);
      ok = high >= 0 && low >= 0;
      key[i] = static_cast<std::uint8_t>(high << 4 | low);
    }
    // The secret itself is never repeated in the message: it may end up in a log.
    if (!ok) throw std::runtime_error("cookie-secret: not 32 hex digits");
    settings.cookie_secret = key;
  }
  return settings;
}

std::vector<tsig::Key> buildTsigKeys(const ServerConfig& config) {
  std::vector<tsig::Key> keys;
  for (const std::string& text : config.tsig_keys) {
    std::string error;
    auto key = tsig::parseKey(text, &error);
    if (!key) throw std::runtime_error("tsig-key: " + error);
    keys.push_back(std::move(*key));
  }
  return keys;
}

}  // namespace horizon::config
