// The plan's two printed forms. The text is what people read in `horizon-sync plan` and in
// dnsctl's report; the JSON is what scripts read, so its keys are stable.
#include "horizon/sync/plan_printer.hpp"

#include <map>
#include <sstream>

#include "horizon/sync/foreign_records.hpp"

namespace horizon::sync {
namespace {

const char* actionName(PlannedChange::Action action) {
  switch (action) {
    case PlannedChange::Action::kCreate:
      return "create";
    case PlannedChange::Action::kUpdate:
      return "update";
    case PlannedChange::Action::kDelete:
      return "delete";
    case PlannedChange::Action::kAdopt:
      return "adopt";
  }
  return "?";
}

const char* noteName(PlanNote::Kind kind) {
  switch (kind) {
    case PlanNote::Kind::kConflict:
      return "conflict";
    case PlanNote::Kind::kAdoptable:
      return "adoptable";
    case PlanNote::Kind::kRefused:
      return "refused";
    case PlanNote::Kind::kReadOnly:
      return "read-only";
    case PlanNote::Kind::kUnmatched:
      return "unmatched";
  }
  return "?";
}

const char* fateName(ForeignRecord::Fate fate) {
  switch (fate) {
    case ForeignRecord::Fate::kLeftAlone:
      return "left alone";
    case ForeignRecord::Fate::kDeleted:
      return "delete";
    case ForeignRecord::Fate::kTakenOver:
      return "take over";
    case ForeignRecord::Fate::kAdopted:
      return "adopt";
  }
  return "?";
}

// What happens to a contradicting record, and how the operator changes that.
std::string describeFate(const ForeignRecord& f, const std::string& zone_name) {
  const std::string name = relativeRecordName(f.record.name, zone_name);
  switch (f.fate) {
    case ForeignRecord::Fate::kLeftAlone:
      return f.desired ? "left alone (--adopt " + name + " takes it over keeping its comment, " +
                             "--replace " + name + " with the marker alone)"
                       : "left alone (--replace " + name + " deletes it)";
    case ForeignRecord::Fate::kDeleted:
      return "deleted (--replace " + name + ")";
    case ForeignRecord::Fate::kTakenOver:
      return "taken over (--replace " + name + ")";
    case ForeignRecord::Fate::kAdopted:
      return "adopted, its comment kept after the marker (--adopt)";
  }
  return "?";
}

// The records that are not ours: the contradicting ones each on a line with why and what
// happens to it; the unrelated ones counted, and listed when `verbose`.
void writeForeignText(const Plan& plan, std::ostream& out, std::string_view indent, bool verbose) {
  std::size_t contradicting = 0;
  for (const ForeignRecord& f : plan.foreign) contradicting += f.contradicting ? 1 : 0;
  const std::size_t unrelated = plan.foreign.size() - contradicting;
  if (contradicting)
    out << indent << "  contradicting the public view, not ours (" << contradicting << "):\n";
  for (const ForeignRecord& f : plan.foreign) {
    if (!f.contradicting) continue;
    out << indent << "    ! " << describeRecord(f.record) << "  [id " << f.record.id << "]  ";
    if (f.private_address) out << "private address; ";
    out << f.reason << "; ";
    if (!f.record.comment.empty()) out << "comment '" << f.record.comment << "'; ";
    out << describeFate(f, plan.zone_name) << "\n";
  }
  if (!unrelated) return;
  out << indent << "  unrelated to the public view, not ours, left alone (" << unrelated << ")";
  if (!verbose) {
    out << "; --verbose lists them\n";
    return;
  }
  out << ":\n";
  for (const ForeignRecord& f : plan.foreign) {
    if (f.contradicting) continue;
    out << indent << "    " << describeRecord(f.record) << "  [id " << f.record.id << "]";
    if (!f.record.comment.empty()) out << "  comment '" << f.record.comment << "'";
    out << "\n";
  }
}

// One "field: before -> after" of an update or adoption.
void writeFieldChange(std::ostream& out, const std::string& field, const CloudflareRecord& before,
                      const CloudflareRecord& after) {
  out << "  " << field << ": ";
  if (field == "content" || field == "priority")
    out << formatRecordData(before) << " -> " << formatRecordData(after);
  else if (field == "proxied")
    out << (before.proxied ? "true" : "false") << " -> " << (after.proxied ? "true" : "false");
  else if (field == "ttl")
    out << formatRecordTtl(before) << " -> " << formatRecordTtl(after);
  else
    out << "'" << before.comment << "' -> '" << after.comment << "'";
}

nlohmann::json recordJson(const CloudflareRecord& r) {
  nlohmann::json j = {{"type", r.type}, {"name", r.name},       {"content", r.content},
                      {"ttl", r.ttl},   {"proxied", r.proxied}, {"comment", r.comment}};
  if (!r.id.empty()) j["id"] = r.id;
  if (r.priority) j["priority"] = *r.priority;
  return j;
}

}  // namespace

void writePlanText(const Plan& plan, std::ostream& out, std::string_view indent, bool verbose) {
  std::map<PlannedChange::Action, int> counts;
  for (const PlannedChange& c : plan.changes) ++counts[c.action];
  out << indent << "Cloudflare zone " << plan.zone_name << ": ";
  if (plan.inSync()) {
    out << "in sync";
  } else {
    out << counts[PlannedChange::Action::kCreate] << " to create, "
        << counts[PlannedChange::Action::kUpdate] << " to update, "
        << counts[PlannedChange::Action::kDelete] << " to delete";
    if (counts[PlannedChange::Action::kAdopt])
      out << ", " << counts[PlannedChange::Action::kAdopt] << " to adopt";
  }
  std::size_t contradicting = 0;
  for (const ForeignRecord& f : plan.foreign) contradicting += f.contradicting ? 1 : 0;
  out << " (" << plan.unchanged << " unchanged, " << plan.owned << " owned, " << plan.unowned
      << " not ours";
  if (plan.unowned) {
    out << ": " << contradicting << " contradicting the public view, "
        << plan.foreign.size() - contradicting << " unrelated";
    if (plan.unowned > plan.foreign.size())
      out << ", " << plan.unowned - plan.foreign.size() << " identical to desired records";
  }
  out << ")\n";
  for (const PlannedChange& c : plan.changes) {
    switch (c.action) {
      case PlannedChange::Action::kCreate:
        out << indent << "  + create  " << describeRecord(*c.after) << "\n";
        break;
      case PlannedChange::Action::kDelete:
        out << indent << "  - delete  " << describeRecord(*c.before) << "  [id " << c.before->id
            << "]\n";
        break;
      case PlannedChange::Action::kUpdate:
      case PlannedChange::Action::kAdopt:
        out << indent
            << (c.action == PlannedChange::Action::kUpdate ? "  ~ update  " : "  ~ adopt   ")
            << c.after->name << " " << c.after->type << "  [id " << c.before->id << "]";
        for (const std::string& field : c.fields) writeFieldChange(out, field, *c.before, *c.after);
        out << "\n";
        break;
    }
  }
  for (const PlanNote& note : plan.notes)
    out << indent << "  ! " << noteName(note.kind) << ": " << note.message << "\n";
  writeForeignText(plan, out, indent, verbose);
  if (plan.blocked) out << indent << "  BLOCKED: " << *plan.blocked << "\n";
}

std::string renderPlanText(const Plan& plan) {
  std::ostringstream out;
  writePlanText(plan, out);
  return out.str();
}

nlohmann::json planToJson(const Plan& plan) {
  nlohmann::json changes = nlohmann::json::array();
  std::map<std::string, int> counts = {{"create", 0}, {"update", 0}, {"delete", 0}, {"adopt", 0}};
  for (const PlannedChange& c : plan.changes) {
    nlohmann::json j = {{"action", actionName(c.action)}};
    const CloudflareRecord& any = c.after ? *c.after : *c.before;
    j["type"] = any.type;
    j["name"] = any.name;
    if (c.before) j["before"] = recordJson(*c.before);
    if (c.after) j["after"] = recordJson(*c.after);
    if (!c.fields.empty()) j["fields"] = c.fields;
    ++counts[actionName(c.action)];
    changes.push_back(std::move(j));
  }
  nlohmann::json notes = nlohmann::json::array();
  for (const PlanNote& note : plan.notes) {
    nlohmann::json j = {{"kind", noteName(note.kind)}, {"message", note.message}};
    if (note.existing) j["existing"] = recordJson(*note.existing);
    if (note.desired) j["desired"] = recordJson(*note.desired);
    notes.push_back(std::move(j));
  }
  nlohmann::json contradicting = nlohmann::json::array(), unrelated = nlohmann::json::array();
  for (const ForeignRecord& f : plan.foreign) {
    nlohmann::json j = recordJson(f.record);
    if (f.contradicting) {
      j["private"] = f.private_address;
      j["reason"] = f.reason;
      j["fate"] = fateName(f.fate);
      if (f.desired) j["desired"] = recordJson(*f.desired);
    }
    (f.contradicting ? contradicting : unrelated).push_back(std::move(j));
  }
  const std::size_t contradicting_count = contradicting.size(), unrelated_count = unrelated.size();
  return {{"zone", plan.zone_name},
          {"in_sync", plan.inSync()},
          {"blocked", plan.blocked ? nlohmann::json(*plan.blocked) : nlohmann::json(nullptr)},
          {"counts",
           {{"create", counts["create"]},
            {"update", counts["update"]},
            {"delete", counts["delete"]},
            {"adopt", counts["adopt"]},
            {"unchanged", plan.unchanged},
            {"owned", plan.owned},
            {"unowned", plan.unowned},
            {"contradicting", contradicting_count},
            {"unrelated", unrelated_count}}},
          {"changes", std::move(changes)},
          {"notes", std::move(notes)},
          {"contradicting", std::move(contradicting)},
          {"unrelated", std::move(unrelated)}};
}

std::string renderPlanJson(const Plan& plan) {
  return planToJson(plan).dump(2) + "\n";
}

}  // namespace horizon::sync
