// Trust anchors from the built-in root keys or a file, and negative trust anchors.
#include "horizon/dnssec/trust_anchor.hpp"

#include <ldns/ldns.h>

#include <fstream>
#include <stdexcept>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"

namespace horizon::dnssec {
namespace {

// The root KSKs' DS records: KSK-2017 and KSK-2024 (IANA's root-anchors.xml).
constexpr const char* kRootDs[] = {
    ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
    ". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
};

// One presentation-format record as a wire::Record; the error text when it is not one.
bool parseRecord(const std::string& line, wire::Record& out, std::string& error) {
  ldns_rr* rr = nullptr;
  const ldns_status status = ldns_rr_new_frm_str(&rr, line.c_str(), 3600, nullptr, nullptr);
  if (status != LDNS_STATUS_OK) {
    error = ldns_get_errorstr_by_id(status);
    return false;
  }
  const ldns_rdf* owner = ldns_rr_owner(rr);
  out.owner = wire::lowercaseName(
      std::string(reinterpret_cast<const char*>(ldns_rdf_data(owner)), ldns_rdf_size(owner)));
  out.type = ldns_rr_get_type(rr);
  out.rclass = ldns_rr_get_class(rr);
  out.ttl = ldns_rr_ttl(rr);
  out.rdata.clear();
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* f = ldns_rr_rdf(rr, i);
    out.rdata.append(reinterpret_cast<const char*>(ldns_rdf_data(f)), ldns_rdf_size(f));
  }
  ldns_rr_free(rr);
  return true;
}

}  // namespace

TrustAnchors TrustAnchors::builtInRoot() {
  TrustAnchors anchors;
  for (const char* text : kRootDs) {
    wire::Record r;
    std::string error;
    if (!parseRecord(text, r, error)) throw std::logic_error("built-in root anchor: " + error);
    anchors.add(r);
  }
  return anchors;
}

TrustAnchors TrustAnchors::fromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read trust anchor file " + path);
  TrustAnchors anchors;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == ';' || line[first] == '#' ||
        line[first] == '$')
      continue;
    wire::Record r;
    std::string error;
    if (!parseRecord(line, r, error))
      throw std::runtime_error(path + ":" + std::to_string(number) + ": " + error);
    if (r.rclass != wire::kClassIN) continue;
    if (r.type != wire::type::DS && r.type != wire::type::DNSKEY)
      throw std::runtime_error(path + ":" + std::to_string(number) +
                               ": a trust anchor is a DS or DNSKEY record");
    anchors.add(r);
  }
  if (anchors.anchors_.empty()) throw std::runtime_error(path + " holds no DS or DNSKEY record");
  return anchors;
}

void TrustAnchors::add(const wire::Record& record) {
  TrustAnchor* anchor = nullptr;
  for (auto& a : anchors_)
    if (a.zone == record.owner) anchor = &a;
  if (!anchor) {
    anchors_.push_back(TrustAnchor{record.owner, {}, {}});
    anchor = &anchors_.back();
  }
  (record.type == wire::type::DS ? anchor->ds : anchor->dnskeys).push_back(record);
}

void TrustAnchors::addNegative(const std::string& domain) {
  negatives_.push_back(domain);
}

const TrustAnchor* TrustAnchors::covering(std::string_view name) const {
  const TrustAnchor* best = nullptr;
  for (const auto& a : anchors_)
    if (wire::isSubdomainOf(name, a.zone) && (!best || a.zone.size() > best->zone.size()))
      best = &a;
  if (!best) return nullptr;
  for (const auto& n : negatives_)
    if (wire::isSubdomainOf(name, n) && n.size() >= best->zone.size()) return nullptr;
  return best;
}

const TrustAnchor* TrustAnchors::at(std::string_view zone) const {
  for (const auto& a : anchors_)
    if (a.zone == zone) return &a;
  return nullptr;
}

}  // namespace horizon::dnssec
