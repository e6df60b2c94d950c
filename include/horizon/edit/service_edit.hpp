// `dnsctl expose NAME` and `dnsctl unexpose NAME`: the rules for adding a name to, or removing it
// from, public.services, and the transaction that applies them to the zone file.
#pragma once

#include <string>

#include "horizon/edit/edit_transaction.hpp"
#include "horizon/edit/zone_edit.hpp"
#include "horizon/zone/zone.hpp"

namespace horizon::edit {

/// Which way the edit goes.
enum class ServiceAction { kExpose, kUnexpose };

/// What keeps `name` (relative, valid as an owner) below `zone_origin` from being a host name a
/// TLS certificate can hold: a label with other than letters, digits and '-' ('_' included), a
/// label that starts or ends with '-', or more than 253 characters in all. Empty when it can.
std::string certificateNameProblem(const std::string& name, const std::string& zone_origin);

/// The change for `typed_name` against `text` (which loads as `zone`). Refused: an invalid name,
/// a wildcard, the apex, a name outside the zone, expose of a name that cannot be a certificate's
/// host name, and unexpose of a name published by a record of its own in the public view. No-op:
/// expose of a name already published (listed, or with a record of its own in the public view) and
/// unexpose of a name not listed. `*name` receives the relative lowercase name once `typed_name` is
/// valid.
TextEdit changePublicService(const std::string& text, const zone::Zone& zone,
                             const std::string& typed_name, ServiceAction action,
                             std::string* name);

/// What is wrong with `edited` after the change for `name` (relative): empty when the name is
/// listed (expose) or not listed (unexpose) in public.services.
std::string checkPublicService(const zone::Zone& edited, const std::string& name,
                               ServiceAction action);

/// What expose or unexpose did.
struct ServiceEditReport {
  std::string name;  // relative; the name as typed when it was refused before being resolved
  EditReport edit;
};

/// Exposes or unexposes `typed_name` in the zone file at `zone_path`, as one edit transaction
/// (a read-only file only with `allow_read_only`).
ServiceEditReport editPublicService(const std::string& zone_path, const std::string& typed_name,
                                    ServiceAction action, EditFollowUps& follow_ups,
                                    bool allow_read_only = false);

}  // namespace horizon::edit
