// dnsctl's text-level edits of a zone YAML file. The file is what a person wrote, so an edit
// changes only the lines that must change: comments, order, quoting and blank lines stay. Places
// are found through yaml-cpp's node marks (line, column, offset) of the parsed original, never by
// pattern-matching the whole text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace horizon::edit {

/// The outcome of one edit.
struct TextEdit {
  enum class Status { kChanged, kUnchanged, kRefused };
  Status status = Status::kUnchanged;
  std::string text;     // the edited text; the input itself unless kChanged
  std::string message;  // for kUnchanged and kRefused: why, for people
};

/// Turns NAME as typed ("jellyfin", "Jellyfin.madhan.app", "jellyfin.madhan.app.") into the
/// lowercase relative owner written in the file ("jellyfin"). Refuses the apex ("@", the zone's
/// own name), wildcards, bad labels and names outside `zone_origin` ("madhan.app." or
/// "madhan.app"): absolute ones ("x.example.org.") and dotted ones whose last label is a
/// top-level domain ("x.example.org"; "a.b" stays relative); nullopt and *error then.
std::optional<std::string> relativeName(std::string_view name, std::string_view zone_origin,
                                        std::string* error);

/// Adds `service` (a relative name from relativeName) to public.services: flow lists, block lists,
/// `[]`, an empty value and a missing `services` key are handled. Already listed: kUnchanged.
TextEdit addPublicService(const std::string& text, const std::string& service);

/// Removes `service` from public.services (the list stays, possibly as `[]`). Not listed:
/// kUnchanged.
TextEdit removePublicService(const std::string& text, const std::string& service);

/// Adds `owner: {view: address}` as a new entry of `records` (created when missing). An owner
/// that already has an entry is refused: merging into a person's entry is for the person.
TextEdit addViewRecord(const std::string& text, const std::string& owner, const std::string& view,
                       const std::string& address);

/// The same with one address per view, in the order given: `owner: {lan: ADDR, vpn: ADDR}`.
TextEdit addViewRecord(const std::string& text, const std::string& owner,
                       const std::vector<std::pair<std::string, std::string>>& view_addresses);

/// The changed lines between two texts, unified-diff style: "-old line", "+new line", each run of
/// changes preceded by "@@ line N @@" (N is the 1-based line in `before`).
std::vector<std::string> lineDiff(const std::string& before, const std::string& after);

}  // namespace horizon::edit
