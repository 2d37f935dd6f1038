#pragma once

// Usage errors of wix-backinstock: one voice (the program's name, what was wrong, a suggestion
// where one helps), integer ranges said in plain integers, and "did you mean" for a mistyped
// option or command. Exit codes of the program.

#include <CLI/CLI.hpp>

#include <string>

namespace cli {

/// The program's exit codes.
enum Exit { kOk = 0, kUsage = 2, kInvalid = 3, kApi = 4, kTransport = 5, kCredentials = 6 };

inline constexpr char kProgram[] = "wix-backinstock";

/// An integer option's range, said in plain integers ("out of range (1 to 100)").
CLI::Validator integer_range(long long low, long long high);

/// An option on the command line that neither the program nor any command has, as the usage
/// error that names it (with the closest option), or empty. Checked before parsing, so that a
/// typo is reported as a typo rather than as the required option it hid.
std::string unknown_option(const CLI::App& app, int argc, char** argv);

/// Prints `message` as a usage error; returns kUsage.
int usage_error(const std::string& message);

/// Prints CLI11's parse error `e` as a usage error, said for the command it concerns (a missing
/// or unknown command named as such); returns kUsage.
int usage_error(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv);

}  // namespace cli
