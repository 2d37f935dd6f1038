#include "usage.h"

#include <algorithm>
#include <cstddef>
#include <iostream>
#include <vector>

namespace cli {

namespace {

// The edit distance of two option names, for "did you mean".
std::size_t distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The option of `command` (or of the program) closest to `typed`, when one is close.
std::string closest_option(const CLI::App& app, const CLI::App* command, const std::string& typed) {
  std::string best;
  std::size_t best_distance = 4;        // at most three edits away
  std::vector<const CLI::App*> scopes;  // the command, the commands it is nested in, the program
  for (const CLI::App* c = command; c != nullptr; c = c->get_parent()) scopes.push_back(c);
  if (command == nullptr) scopes.push_back(&app);
  for (const CLI::App* scope : scopes) {
    for (const CLI::Option* option : scope->get_options()) {
      for (const auto& name : option->get_lnames()) {
        std::size_t d = distance(typed, "--" + name);
        if (d < best_distance) {
          best_distance = d;
          best = "--" + name;
        }
      }
    }
  }
  return best;
}

// The names of the commands of `scope`, comma-separated.
std::string command_names(const CLI::App& scope) {
  std::string names;
  for (const CLI::App* sub : scope.get_subcommands({})) {
    names += (names.empty() ? "" : ", ") + sub->get_name();
  }
  return names;
}

}  // namespace

// An integer option's range, said in plain integers ("out of range (1 to 100)").
CLI::Validator integer_range(long long low, long long high) {
  std::string range = std::to_string(low) + " to " + std::to_string(high);
  return CLI::Validator(
      [low, high, range](std::string& text) -> std::string {
        long long value = 0;
        try {
          std::size_t used = 0;
          value = std::stoll(text, &used);
          if (used != text.size()) return "expects an integer from " + range;
        } catch (const std::exception&) {
          return "expects an integer from " + range;
        }
        if (value < low || value > high) return text + " is out of range (" + range + ")";
        return "";
      },
      "INT in " + range);
}

// An option on the command line that neither the program nor any command has, as the usage
// error that names it (with the closest option), or empty. Checked before parsing, so that a typo
// is reported as a typo rather than as the required option it hid.
std::string unknown_option(const CLI::App& app, int argc, char** argv) {
  const CLI::App* command = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.rfind("--", 0) != 0) {
      const CLI::App* scope = command != nullptr ? command : &app;
      for (const CLI::App* sub : scope->get_subcommands({})) {
        if (sub->get_name() == arg) command = sub;
      }
      continue;
    }
    std::string typed = arg.substr(0, arg.find('='));
    bool known = typed == "--help" || typed == "--version";
    // The command's options, and those of the commands it is nested in (`journal --sqlite`).
    for (const CLI::App* scope = command; scope != nullptr && !known; scope = scope->get_parent()) {
      for (const CLI::Option* option : scope->get_options()) {
        for (const auto& name : option->get_lnames()) known = known || typed == "--" + name;
      }
    }
    for (const CLI::Option* option : app.get_options()) {
      for (const auto& name : option->get_lnames()) known = known || typed == "--" + name;
    }
    if (known) continue;
    std::string suggestion = closest_option(app, command, typed);
    return "unknown option " + typed +
           (suggestion.empty() ? "" : "; did you mean " + suggestion + "?");
  }
  return "";
}

// One voice for usage errors: the program's name, what was wrong, a suggestion where one helps.
int usage_error(const std::string& message) {
  std::cerr << kProgram << ": " << message << "\nRun with --help for more information.\n";
  return kUsage;
}

int usage_error(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  const CLI::App* command = nullptr;
  for (const CLI::App* sub : app.get_subcommands()) {
    command = sub;
    for (const CLI::App* inner : sub->get_subcommands()) command = inner;
  }
  std::string message = e.what();
  std::string first_word;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--base-url", 0) == 0 || arg.rfind("--service-path-prefix", 0) == 0) {
      if (arg.find('=') == std::string::npos) ++i;  // its value
      continue;
    }
    if (!arg.empty() && arg[0] != '-') first_word = arg;
    break;
  }
  if (command == nullptr) {
    message = first_word.empty()
                  ? "a command is required (commands: " + command_names(app) + ")"
                  : "unknown command '" + first_word + "' (commands: " + command_names(app) + ")";
  } else if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr &&
             !command->get_subcommands({}).empty() && command->get_subcommands().empty()) {
    message = "'" + command->get_name() + "' needs a command (" + command_names(*command) + ")";
  }
  return usage_error(message);
}

}  // namespace cli
