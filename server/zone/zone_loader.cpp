// The zone YAML loader: the one validator used by horizond, horizon-sync and dnsctl, so a file
// that loads here is a file every binary agrees on. It never stops at the first problem: every
// diagnostic carries file, line and column, and a Zone is returned only when there is no error.
// The format is documented in zones/FORMAT.md. A load runs in steps, each in a file of its own:
// the zone file's keys (zone_schema), the public and cloudflare keys (public_schema), the SOA and
// NS (apex), the checks over the loaded views (semantic_checks) and the serial (serial).
#include "horizon/zone/zone_loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <tuple>
#include <utility>

#include "apex.hpp"
#include "horizon/zone/message_text.hpp"
#include "horizon/zone/yaml_tree.hpp"
#include "load_context.hpp"
#include "public_schema.hpp"
#include "semantic_checks.hpp"
#include "serial.hpp"
#include "zone_schema.hpp"

namespace horizon::zone {
namespace {

void run(LoadContext& context, std::string text) {
  // The tree outlives every step: the entries and names they read point into it.
  yaml::Tree tree;
  try {
    tree = yaml::parse(std::move(text));
  } catch (const yaml::ParseError& e) {
    context.error(SourceLocation{context.file(), e.mark().line + 1, e.mark().column + 1},
                  std::string("YAML syntax error: ") + e.what());
    return;
  }
  const yaml::Node root = tree.root();
  const std::optional<TopLevel> top = readTopLevel(context, root);
  if (!top) return;
  if (!parseZoneSchema(context, *top, root)) return;
  if (const Entry* pub = top->find("public")) parsePublic(context, *pub);
  if (const Entry* cloudflare = top->find("cloudflare")) parseCloudflare(context, *cloudflare);
  const SoaTemplate soa = synthesizeApex(context, top->find("soa"), top->find("ns"), root);
  runSemanticChecks(context);
  // The SOA is built last because its serial covers everything else.
  Zone& zone = context.zone();
  const std::uint32_t serial = soa.serial ? *soa.serial : deriveSerial(zone.views);
  fillSoaSlots(zone, soa.record, serial);
  zone.serial = serial;
}

LoadResult load(const std::string& file, const std::string& base_dir, std::string text) {
  LoadContext context(file, base_dir);
  try {
    run(context, std::move(text));
  } catch (const std::exception& e) {
    // Every expected problem is reported where it is found; this is only a last line of defence
    // so that a bad file can never take down the caller.
    context.error(SourceLocation{file, 0, 0},
                  std::string("internal error while loading: ") + e.what());
  }
  std::vector<Diagnostic>& diagnostics = context.diagnostics();
  const bool has_error =
      std::any_of(diagnostics.begin(), diagnostics.end(),
                  [](const Diagnostic& d) { return d.severity == Diagnostic::Severity::kError; });
  // Main-file diagnostics first, in file order; zone-file diagnostics after, in their order.
  std::stable_sort(
      diagnostics.begin(), diagnostics.end(), [&](const Diagnostic& a, const Diagnostic& b) {
        return std::make_tuple(a.where.file != file, a.where.file, a.where.line, a.where.column) <
               std::make_tuple(b.where.file != file, b.where.file, b.where.line, b.where.column);
      });
  // Messages quote values from the file, which may be megabytes long or hold newlines and
  // escape sequences: each diagnostic must stay one short line in a log or on a terminal.
  for (Diagnostic& d : diagnostics) {
    d.message = boundedMessage(d.message);
    d.where.file = escapeForLine(d.where.file);
  }
  LoadResult result;
  result.diagnostics = std::move(diagnostics);
  if (!has_error) result.zone = std::move(context.zone());
  return result;
}

}  // namespace

std::string Diagnostic::toString() const {
  std::string out = where.file;
  if (where.line > 0) {
    out += ":" + std::to_string(where.line);
    if (where.column > 0) out += ":" + std::to_string(where.column);
  }
  out += severity == Severity::kError ? ": error: " : ": warning: ";
  return out + message;
}

std::string LoadResult::report() const {
  std::string out;
  for (const auto& diagnostic : diagnostics) {
    if (!out.empty()) out.push_back('\n');
    out += diagnostic.toString();
  }
  return out;
}

LoadResult loadZoneText(std::string_view yaml, const std::string& file_name,
                        const std::string& base_dir) {
  return load(file_name, base_dir.empty() ? "." : base_dir, std::string(yaml));
}

LoadResult loadZoneFile(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string problem;
  if (fs::is_directory(path, ec)) problem = "is a directory";
  std::string text;
  if (problem.empty()) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      problem = std::strerror(errno);
    } else {
      // One buffer of the file's size: a stringstream would copy a large zone three times.
      char chunk[65536];
      const auto size = fs::file_size(path, ec);
      if (!ec) text.reserve(static_cast<std::size_t>(size));
      while (in.read(chunk, sizeof chunk) || in.gcount() > 0)
        text.append(chunk, static_cast<std::size_t>(in.gcount()));
      if (in.bad()) problem = "read failed";
    }
  }
  if (!problem.empty()) {
    LoadResult result;
    result.diagnostics.push_back(Diagnostic{Diagnostic::Severity::kError,
                                            SourceLocation{path, 0, 0},
                                            "cannot read the zone file: " + problem});
    return result;
  }
  std::string base_dir = fs::path(path).parent_path().string();
  return load(path, base_dir.empty() ? "." : base_dir, std::move(text));
}

}  // namespace horizon::zone
