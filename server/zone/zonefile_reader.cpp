// Reads a view's RFC 1035 master file with ldns, one record at a time, so that every bad line is
// reported (ldns_zone_new_frm_fp_l would stop at the first) with its own line number.
#include "zonefile_reader.hpp"

#include <ldns/ldns.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"

namespace horizon::zone {
namespace {

struct LdnsRdfDeleter {
  void operator()(ldns_rdf* rdf) const { ldns_rdf_deep_free(rdf); }
};
struct LdnsRrDeleter {
  void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// ldns reports the line where a record ends; a record that spans lines in parentheses starts at
// the first line after the previous record that holds something other than blanks or a comment.
int firstContentLine(const std::vector<std::string>& lines, int after_line, int end_line) {
  for (int line = after_line + 1; line <= end_line; ++line) {
    if (line < 1 || line > static_cast<int>(lines.size())) break;
    const std::string& text = lines[static_cast<std::size_t>(line - 1)];
    auto first = text.find_first_not_of(" \t\r");
    if (first != std::string::npos && text[first] != ';') return line;
  }
  return end_line;
}

std::string wireOf(const ldns_rdf* rdf) {
  return std::string(reinterpret_cast<const char*>(ldns_rdf_data(rdf)), ldns_rdf_size(rdf));
}

}  // namespace

void readZonefile(const std::string& path, const SourceLocation& referenced_at,
                  const std::string& origin, std::uint32_t default_ttl,
                  std::vector<ResourceRecord>& records, std::vector<Diagnostic>& diagnostics) {
  auto report = [&](Diagnostic::Severity severity, SourceLocation where, std::string message) {
    diagnostics.push_back(Diagnostic{severity, std::move(where), std::move(message)});
  };
  auto at = [&](int line) { return SourceLocation{path, line, 0}; };

  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "r"));
  if (!file) {
    report(Diagnostic::Severity::kError, referenced_at,
           "cannot read zone file '" + path + "': " + std::strerror(errno));
    return;
  }
  std::vector<std::string> lines;
  {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }

  const std::string origin_text = wire::nameToText(origin);
  std::unique_ptr<ldns_rdf, LdnsRdfDeleter> origin_holder(
      ldns_dname_new_frm_str(origin_text.c_str()));
  if (!origin_holder) {
    report(Diagnostic::Severity::kError, referenced_at, "cannot use the zone name as an origin");
    return;
  }
  // ldns replaces *origin on $ORIGIN and *prev on every owner, freeing the old values itself.
  ldns_rdf* current_origin = origin_holder.release();
  ldns_rdf* prev = ldns_rdf_clone(current_origin);
  std::uint32_t ttl = default_ttl;
  int line = 0;

  while (!std::feof(file.get())) {
    int line_before = line;
    long offset_before = std::ftell(file.get());
    ldns_rr* raw = nullptr;
    ldns_status status =
        ldns_rr_new_frm_fp_l(&raw, file.get(), &ttl, &current_origin, &prev, &line);
    std::unique_ptr<ldns_rr, LdnsRrDeleter> rr(raw);
    int start = firstContentLine(lines, line_before, line);
    if (status == LDNS_STATUS_SYNTAX_EMPTY || status == LDNS_STATUS_SYNTAX_TTL ||
        status == LDNS_STATUS_SYNTAX_ORIGIN) {
      // Blank lines, comments, $TTL and $ORIGIN: ldns has already applied the directive.
    } else if (status == LDNS_STATUS_SYNTAX_INCLUDE) {
      report(Diagnostic::Severity::kError, at(start), "$INCLUDE is not supported");
    } else if (status != LDNS_STATUS_OK || !rr) {
      report(Diagnostic::Severity::kError, at(start),
             std::string("ldns: ") + ldns_get_errorstr_by_id(status));
    } else {
      std::string owner = wire::lowercaseName(wireOf(ldns_rr_owner(rr.get())));
      std::string owner_text = wire::nameToText(owner);
      auto type = static_cast<std::uint16_t>(ldns_rr_get_type(rr.get()));
      if (ldns_rr_get_class(rr.get()) != LDNS_RR_CLASS_IN) {
        report(Diagnostic::Severity::kError, at(start), "only class IN is supported");
      } else if (!wire::isSubdomainOf(owner, origin)) {
        report(Diagnostic::Severity::kError, at(start),
               "'" + owner_text + "' is outside the zone " + origin_text);
      } else if (type == wire::type::SOA && owner == origin) {
        report(Diagnostic::Severity::kWarning, at(start),
               "the apex SOA of the zone file is ignored: the soa key of the YAML file applies");
      } else if (type == wire::type::SOA) {
        report(Diagnostic::Severity::kError, at(start),
               "SOA at '" + owner_text + "': an SOA is only allowed at the apex");
      } else if (type == wire::type::NS && owner == origin) {
        report(Diagnostic::Severity::kWarning, at(start),
               "the apex NS of the zone file is ignored: the ns key of the YAML file applies");
      } else if (type == wire::type::NS) {
        report(Diagnostic::Severity::kError, at(start),
               "NS at '" + owner_text + "': delegations are not supported");
      } else {
        ldns_buffer* buffer = ldns_buffer_new(512);
        ldns_status wire_status = ldns_rr_rdata2buffer_wire(buffer, rr.get());
        if (wire_status != LDNS_STATUS_OK) {
          report(Diagnostic::Severity::kError, at(start),
                 std::string("ldns: ") + ldns_get_errorstr_by_id(wire_status));
        } else {
          ResourceRecord record;
          record.owner = owner;
          record.type = type;
          record.ttl = ldns_rr_ttl(rr.get());
          record.rdata.assign(reinterpret_cast<const char*>(ldns_buffer_begin(buffer)),
                              ldns_buffer_position(buffer));
          record.where = at(start);
          records.push_back(std::move(record));
        }
        ldns_buffer_free(buffer);
      }
    }
    // Guard against a reader that makes no progress, which would loop forever.
    if (std::ftell(file.get()) == offset_before && !std::feof(file.get())) break;
  }
  ldns_rdf_deep_free(current_origin);
  ldns_rdf_deep_free(prev);
}

}  // namespace horizon::zone
