// How dnsctl prints an edit's report: the diff, the loader's reasons for a refusal, and what
// followed a written edit (the server's reload, Cloudflare, the Traefik file).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "horizon/edit/edit_transaction.hpp"
#include "terminal_style.hpp"

namespace horizon::edit {

/// Prints "file: PATH" and the diff's lines, removed red, added green, context dim.
void printDiff(const std::string& zone_file, const std::vector<std::string>& diff,
               const TerminalStyle& style);

/// Prints the loader's diagnostics of a refused edit on stderr, one per line.
void printDiagnostics(const FileEdit& file);

/// Prints what followed a written edit: as text on stdout, or (with `json`) into `report`'s
/// server, cloudflare, traefik and errors keys. Sync errors go to stderr as text.
void printFollowUps(const EditReport& edit, bool json, nlohmann::json& report,
                    const TerminalStyle& style);

}  // namespace horizon::edit
