// The shared command-line conventions. Errors name the offending argument: CLI11 checks values
// and reports unexpected arguments itself; the one reordering done here makes an unknown flag
// win over a missing argument, since the unknown flag is usually the mistake.
#include "command_line.hpp"

#include <iostream>
#include <sstream>
#include <utility>
#include <vector>

#include "horizon/version.hpp"

namespace horizon::sync {
namespace {

// Help lines fit this many columns.
constexpr std::size_t kHelpWidth = 80;

// Breaks `text` into lines of at most `width` characters at spaces (a longer word stays whole).
std::string wrap(const std::string& text, std::size_t width) {
  std::string out, line;
  std::istringstream words(text);
  for (std::string word; words >> word;) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  return out + line;
}

// CLI11's layout, minus the unlisted group, with the descriptions of options and commands
// wrapped to the width (CLI11 indents each line of a description under the first).
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_group(std::string group, bool is_positional,
                         std::vector<const CLI::Option*> options) const override {
    if (group == kUnlistedGroup) return {};
    return CLI::Formatter::make_group(std::move(group), is_positional, std::move(options));
  }
  std::string make_option_desc(const CLI::Option* option) const override {
    return wrap(option->get_description(), kHelpWidth - get_column_width());
  }
  std::string make_subcommand(const CLI::App* command) const override {
    std::stringstream out;
    CLI::detail::format_help(out, command->get_display_name(true),
                             wrap(command->get_description(), kHelpWidth - get_column_width()),
                             get_column_width());
    return out.str();
  }
};

}  // namespace

void setUpProgram(CLI::App& app) {
  auto formatter = std::make_shared<HelpFormatter>();
  formatter->label("SUBCOMMAND", "COMMAND");
  formatter->label("Positionals", "Arguments");
  app.formatter(formatter);
  app.set_version_flag("--version", std::string(kVersionString), "print the version and exit");
  app.set_help_flag("-h,--help", "print this help and exit");
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  // One command at a time: a second command name is an argument of the first (then refused).
  app.require_subcommand(0, 1);
}

CLI::Validator checkIntegerIn(long min, long max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        try {
          std::size_t used = 0;
          const long value = std::stol(text, &used);
          if (used == text.size() && value >= min && value <= max) return {};
        } catch (const std::exception&) {
        }
        return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max) +
               ", not '" + text + "'";
      },
      "");
}

void addSyncOptions(CLI::App& app, SyncSettings& settings, bool* token_file_given,
                    const std::string& group) {
  auto add = [&](const std::string& name, auto& target, const std::string& type,
                 const std::string& help) {
    return app.add_option(name, target, help)->type_name(type)->group(group);
  };
  add("--api-url", settings.api_url, "URL",
      "API base URL (default $CLOUDFLARE_API_URL, else https://api.cloudflare.com/client/v4)");
  app.add_option_function<std::string>(
         "--token-file",
         [&settings, token_file_given](const std::string& path) {
           settings.token_file = path;
           if (token_file_given) *token_file_given = true;
         },
         "read the API token from FILE (default: $CLOUDFLARE_API_TOKEN); the token needs "
         "Zone:DNS:Edit, and Zone:Zone:Read unless the zone file sets cloudflare.zone-id")
      ->type_name("FILE")
      ->group(group);
  // Repeatable and appending, from before or after the command alike (both bind here). A bare
  // --adopt keeps its meaning from before names were taken: every such record.
  app.add_option_function<std::vector<std::string>>(
         "--adopt",
         [&settings](const std::vector<std::string>& names) {
           bool named = false;
           for (const std::string& name : names)
             if (!name.empty()) {
               settings.plan.adopt_names.push_back(name);
               named = true;
             }
           if (!named) settings.plan.adopt = true;
         },
         "take over the records not ours at NAME (`grafana`, `*`, `@` or a full name; "
         "repeatable) whose name and type the public view publishes, changing them in place and "
         "keeping their comment after the marker; without NAME, every such record")
      ->expected(0, 1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->trigger_on_parse()
      ->type_name("[NAME]")
      ->group(group);
  app.add_option_function<std::vector<std::string>>(
         "--replace",
         [&settings](const std::vector<std::string>& names) {
           for (const std::string& name : names) settings.plan.replace_names.push_back(name);
         },
         "retire the records not ours at NAME that contradict the public view (repeatable): "
         "delete them where the public view has nothing of their name and type, else take them "
         "over in place with the marker as their comment")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->trigger_on_parse()
      ->type_name("NAME")
      ->group(group);
  app.add_flag("--verbose", settings.verbose,
               "also list the records not ours that are unrelated to the public view")
      ->group(group);
  app.add_flag("--force", settings.plan.force,
               "allow changing or deleting more than --max-change-percent")
      ->group(group);
  add("--max-change-percent", settings.plan.max_change_percent, "N",
      "safety threshold, of owned records, once 10 or more are owned (default 30)")
      ->check(checkIntegerIn(0, 100));
  app.add_flag("--no-cloudflare", settings.skip_cloudflare, "only render the Traefik file")
      ->group(group);
  add("--traefik-out", settings.traefik_out, "FILE",
      "write Traefik's dynamic configuration for public.services here (atomically, and only "
      "when its content changes)");
  // Traefik's settings live in the zone file (public.traefik), so that every program renders
  // the same file from it; the old flags say where their setting went instead of being unknown.
  static const std::pair<const char*, const char*> kMovedToZoneFile[] = {
      {"--traefik-entrypoint", "entrypoint"},
      {"--traefik-cert-resolver", "cert-resolver"},
      {"--traefik-middleware", "auth-middleware"},
      {"--forward-auth-address", "forward-auth-address"},
      {"--traefik-backend-view", "backend: {view: VIEW}"},
      {"--traefik-backend-port", "backend: {port: PORT}"}};
  for (const auto& [flag, key] : kMovedToZoneFile) {
    app.add_option_function<std::vector<std::string>>(
           flag,
           [flag = std::string(flag), key = std::string(key)](const std::vector<std::string>&) {
             throw UsageError(flag + " is now a setting of the zone file: public.traefik." + key +
                              " (see zones/FORMAT.md), so that horizon-sync and dnsctl render "
                              "the same Traefik file");
           })
        ->expected(0, 1)
        ->group(kUnlistedGroup);
  }
  add("--deadline", settings.deadline_seconds, "SECONDS",
      "give up on the API after this long per run, retries included (default 120)")
      ->check(checkIntegerIn(1, 86400));
  add("--page-size", settings.page_size, "N", "records asked per listing page (default 100)")
      ->check(checkIntegerIn(1, 5000));
  add("--batch-size", settings.batch_size, "N", "operations per batch call, 1 to 200 (default 200)")
      ->check(checkIntegerIn(1, 200));
  // Refused with a reason rather than unknown, whether or not a value follows.
  app.add_option_function<std::vector<std::string>>(
         "--token",
         [](const std::vector<std::string>&) {
           throw UsageError(
               "--token is not accepted: a token on the command line is visible to every user "
               "in the process list; use --token-file or CLOUDFLARE_API_TOKEN");
         })
      ->expected(0, 1)
      ->group(kUnlistedGroup);
}

int reportUsageError(const CLI::App& app, const std::string& message) {
  std::cerr << app.get_name() << ": " << message << "\nRun with --help for more information.\n";
  return kSyncExitUsage;
}

std::optional<int> parseCommandLine(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::RequiredError& e) {
    if (std::vector<std::string> unknown = app.remaining(/*recurse=*/true); !unknown.empty())
      return reportUsageError(app, CLI::ExtrasError(unknown).what());
    return reportUsageError(app, e.what());
  } catch (const CLI::ParseError& e) {
    // --help and --version end the parse with an "error" whose exit code is 0.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    return reportUsageError(app, e.what());
  } catch (const UsageError& e) {
    return reportUsageError(app, e.what());
  }
}

}  // namespace horizon::sync
