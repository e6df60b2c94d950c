// Private to the Traefik module: a JSON document written as block-style YAML that every YAML
// 1.1 and 1.2 reader (Traefik's included) reads back as the same document.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace horizon::sync {

/// `document` (a map) as YAML: maps and lists in block style, empty ones as {} and [], strings
/// plain only where no reader could take them for another type, else double-quoted.
std::string writeYaml(const nlohmann::ordered_json& document);

}  // namespace horizon::sync
