// dnsctl's commands for the running server: reload and status over horizond's control socket
// (one JSON request, one JSON response).
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "dnsctl_commands.hpp"
#include "horizon/edit/control_client.hpp"
#include "horizon/edit/edit_transaction.hpp"

namespace horizon::edit {
namespace {
using Json = nlohmann::json;
}  // namespace

int runControl(const DnsctlOptions& o, const TerminalStyle& style) {
  if (o.control.empty())
    throw sync::UsageError(o.command +
                           " needs the server's control socket: --control PATH (or "
                           "$HORIZON_CONTROL_SOCKET), as given to horizond --control");
  Json r;
  try {
    r = controlRequest(o.control, {{"command", o.command}});
  } catch (const ControlError& e) {
    std::cerr << "dnsctl: the server is not reachable: " << e.what() << "\n";
    return kEditExitFailed;
  }
  if (o.json) {
    std::cout << r.dump(2) << "\n";
    return r.value("ok", false) ? kEditExitOk : kEditExitFailed;
  }
  if (!r.value("ok", false)) {
    std::cerr << "dnsctl: " << o.command << " failed: " << r.value("error", "(no reason given)")
              << "\n";
    return kEditExitFailed;
  }
  if (o.command == "reload") {
    std::cout << style.green("reloaded");
    const Json serials = r.value("serials", Json::object());
    for (const auto& [origin, serial] : serials.items())
      std::cout << "  " << origin << " serial " << serial.dump();
    std::cout << "\n";
    return kEditExitOk;
  }
  const Json s = r.value("status", Json::object());
  auto text = [](const Json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); };
  std::cout << text(s.value("version", Json("horizond"))) << ", up "
            << text(s.value("uptime_seconds", Json(0))) << " s (since "
            << text(s.value("started", Json("?"))) << ")\n";
  const Json reloads = s.value("reloads", Json::object());
  std::cout << "reloads: " << text(reloads.value("ok", Json(0))) << " ok, "
            << text(reloads.value("failed", Json(0))) << " failed\n";
  if (const Json last = s.value("last_reload", Json(nullptr)); last.is_object()) {
    const bool ok = last.value("ok", false);
    std::cout << "last reload: " << text(last.value("time", Json("?"))) << " ("
              << text(last.value("trigger", Json("?"))) << ") "
              << (ok ? style.green("ok")
                     : style.red("failed: " + text(last.value("error", Json("")))))
              << "\n";
  }
  std::vector<std::vector<std::string>> plain = {
      {"ZONE", "SERIAL", "VIEW", "RECORDS", "RECURSION", "FILE"}};
  std::vector<std::vector<std::string>> styled;
  for (const auto& zone : s.value("zones", Json::array())) {
    for (const auto& view : zone.value("views", Json::array()))
      plain.push_back({text(zone.value("origin", Json(""))), text(zone.value("serial", Json(0))),
                       text(view.value("name", Json(""))), text(view.value("records", Json(0))),
                       view.value("recursion", false) ? "yes" : "no",
                       text(zone.value("source_file", Json("")))});
  }
  styled = plain;
  for (auto& h : styled[0]) h = style.bold(h);
  printTable(plain, styled);
  return kEditExitOk;
}

}  // namespace horizon::edit
