// The plan for people (one line per change, then the notes) and for scripts (a JSON object).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>

#include "horizon/sync/record_plan.hpp"

namespace horizon::sync {

/// Writes the plan for people: a summary line, one line per change with before -> after, the
/// notes, the records not ours that contradict the public view (each with "private address"
/// when it publishes one), the count of unrelated ones (listed when `verbose`), and the safety
/// block; every line starts with `indent`.
void writePlanText(const Plan& plan, std::ostream& out, std::string_view indent = {},
                   bool verbose = false);

/// The text writePlanText writes, without indent.
std::string renderPlanText(const Plan& plan);

/// The plan as a JSON object: zone, in_sync, blocked, counts, changes, notes, and the records
/// not ours: contradicting (each with private, reason, fate, desired) and unrelated, always both.
nlohmann::json planToJson(const Plan& plan);

/// planToJson's object as indented text, ending in a newline.
std::string renderPlanJson(const Plan& plan);

}  // namespace horizon::sync
