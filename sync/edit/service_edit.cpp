// expose/unexpose. A name can be published two ways: listed in public.services (dnsctl's to
// change) or by a record of its own in the public view (the person's). expose treats either as
// done; unexpose only ever removes a listing and leaves the person's records to the person.
#include "horizon/edit/service_edit.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "horizon/edit/zone_inspect.hpp"

namespace horizon::edit {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool listed(const zone::Zone& zone, const std::string& name) {
  return std::any_of(zone.public_services.begin(), zone.public_services.end(),
                     [&](const std::string& service) { return lower(service) == name; });
}

// The line of a record of `name` itself in the public view, if there is one.
std::optional<int> ownPublicRecordLine(const zone::Zone& zone, const std::string& name) {
  const int pub = zone::findView(zone, "public");
  if (pub < 0) return std::nullopt;
  for (const auto& rr : zone.views[static_cast<std::size_t>(pub)].records)
    if (relativeOwner(zone, rr.owner) == name) return rr.where.line;
  return std::nullopt;
}

}  // namespace

std::string certificateNameProblem(const std::string& name, const std::string& zone_origin) {
  std::string zone = zone_origin;
  if (!zone.empty() && zone.back() == '.') zone.pop_back();
  const std::string full = name + "." + zone;
  // A certificate's dNSName is at most 253 characters (a name in presentation form, no root dot).
  if (full.size() > 253) return full + " is longer than the 253 characters a host name may have";
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = name.find('.', start);
    const std::string label =
        name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const auto bad = std::find_if(label.begin(), label.end(),
                                  [](unsigned char c) { return !std::isalnum(c) && c != '-'; });
    if (bad != label.end())
      return "label '" + label + "' holds '" + std::string(1, *bad) +
             "': a host name has only letters, digits and '-'";
    if (label.front() == '-' || label.back() == '-')
      return "label '" + label + "' starts or ends with '-', which a host name may not";
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return {};
}

TextEdit changePublicService(const std::string& text, const zone::Zone& zone,
                             const std::string& typed_name, ServiceAction action,
                             std::string* name) {
  std::string error;
  auto relative = relativeName(typed_name, zone.origin_text, &error);
  if (!relative) return {TextEdit::Status::kRefused, text, error};
  const std::string& n = *relative;
  if (name) *name = n;
  if (action == ServiceAction::kExpose) {
    // A service gets a Traefik route with a certificate for its name; a name no certificate
    // authority signs would publish an address that only ever answers with TLS errors.
    if (std::string problem = certificateNameProblem(n, zone.origin_text); !problem.empty())
      return {TextEdit::Status::kRefused, text,
              "'" + typed_name + "' cannot be published: " + problem +
                  " (RFC 1123), as a TLS certificate needs"};
    if (listed(zone, n))
      return {TextEdit::Status::kUnchanged, text, n + " is already published (in public.services)"};
    if (auto line = ownPublicRecordLine(zone, n))
      return {TextEdit::Status::kUnchanged, text,
              n + " is already published by its own record in the public view (line " +
                  std::to_string(*line) + ")"};
    return addPublicService(text, n);
  }
  TextEdit removed = removePublicService(text, n);
  if (removed.status == TextEdit::Status::kUnchanged)
    if (auto line = ownPublicRecordLine(zone, n))
      return {TextEdit::Status::kRefused, text,
              n + " is not in public.services but has its own record in the public view (line " +
                  std::to_string(*line) + "); edit that record by hand"};
  return removed;
}

std::string checkPublicService(const zone::Zone& edited, const std::string& name,
                               ServiceAction action) {
  const bool expose = action == ServiceAction::kExpose;
  if (listed(edited, name) != expose)
    return name + (expose ? " is not listed" : " is still listed");
  return {};
}

ServiceEditReport editPublicService(const std::string& zone_path, const std::string& typed_name,
                                    ServiceAction action, EditFollowUps& follow_ups,
                                    bool allow_read_only) {
  ServiceEditReport report;
  std::string name;
  report.edit = runEditTransaction(
      zone_path,
      [&](const std::string& text, const zone::Zone& zone) {
        return changePublicService(text, zone, typed_name, action, &name);
      },
      [&](const zone::Zone& edited) { return checkPublicService(edited, name, action); },
      follow_ups, allow_read_only);
  report.name = name.empty() ? typed_name : name;
  return report;
}

}  // namespace horizon::edit
