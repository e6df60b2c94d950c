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

TextEdit changePublicService(const std::string& text, const zone::Zone& zone,
                             const std::string& typed_name, ServiceAction action,
                             std::string* name) {
  std::string error;
  auto relative = relativeName(typed_name, zone.origin_text, &error);
  if (!relative) return {TextEdit::Status::kRefused, text, error};
  const std::string& n = *relative;
  if (name) *name = n;
  if (action == ServiceAction::kExpose) {
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
                                    ServiceAction action, EditFollowUps& follow_ups) {
  ServiceEditReport report;
  std::string name;
  report.edit = runEditTransaction(
      zone_path,
      [&](const std::string& text, const zone::Zone& zone) {
        return changePublicService(text, zone, typed_name, action, &name);
      },
      [&](const zone::Zone& edited) { return checkPublicService(edited, name, action); },
      follow_ups);
  report.name = name.empty() ? typed_name : name;
  return report;
}

}  // namespace horizon::edit
