#pragma once

// catalogctl's subcommands: one per RPC, each turning its flags into the RPC's
// request in the proto3 JSON mapping. The request is then sent as
// `catalogctl METHOD JSON` would send it, so both forms share one call path
// and one parser (InvokeJson), which is the judge of field types and names.

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace ec::client {

enum class FlagKind {
  kString,   // --name VALUE: a string field
  kStrings,  // --name VALUE, repeatable: the values of a repeated string field
  kInt,      // --name N: an integer field
  kBool,     // --name, or --name=true|false: a bool field
  kJson,     // --name JSON: a message field given as JSON (a filter)
};

struct FlagSpec {
  std::string_view name;  // "--uuid"
  // Where the value goes in the request: field names (the proto names) joined
  // by dots, e.g. "catalog.title".
  std::string_view field;
  FlagKind kind;
  std::string_view value_name;  // "UUID"; empty for kBool
  std::string_view help;
  // The request must have this field, from the flag or from --json; checked
  // before any RPC so that a forgotten flag is a usage error (64).
  bool required = false;
  // update-catalog: the update_mask path that giving this flag implies.
  std::string_view mask_path;
};

struct CommandSpec {
  std::string_view name;    // "get-catalog"
  std::string_view alias;   // the RPC's name in kebab case, if different
  std::string_view method;  // "GetCatalog"
  std::string_view summary;
  std::vector<FlagSpec> flags;
  // Accepts --wait, --wait-timeout and --poll-interval (refresh).
  bool can_wait = false;
  std::string_view example;
};

// Every subcommand, in service declaration order.
const std::vector<CommandSpec>& Commands();

// The subcommand named `name` (its name or alias), or the one calling the RPC
// `name` (e.g. "GetCatalog"); null if none.
const CommandSpec* FindCommand(std::string_view name);

// A subcommand's flags as given on the command line.
struct Invocation {
  const CommandSpec* command = nullptr;
  // Flag values by request field (see FlagSpec::field).
  std::map<std::string, nlohmann::json> fields;
  // update_mask paths implied by the flags given (update-catalog).
  std::vector<std::string> mask_paths;
  // --json: the request's other fields, as JSON text; "-" means stdin.
  std::optional<std::string> json;
  // refresh --wait: poll the job until it ends, for at most wait_timeout,
  // every poll_interval.
  bool wait = false;
  std::chrono::milliseconds wait_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds poll_interval{std::chrono::seconds(1)};
};

// Parses argv[*i] (and its value, advancing *i) if it is one of the
// invocation's command flags or --json. Returns false if it is not; a usage
// error (INVALID_ARGUMENT, naming the flag) if it is but is malformed.
absl::StatusOr<bool> ParseCommandFlag(const std::vector<std::string>& argv,
                                      size_t* i, Invocation* invocation);

// The request JSON: `base_json` (--json's text, or "" for none, which must
// be a JSON object) with the flags' fields set over it, plus the implied
// update_mask when the request has none. INVALID_ARGUMENT if the base is not
// a JSON object or a required field is missing.
absl::StatusOr<std::string> BuildRequest(const Invocation& invocation,
                                         std::string_view base_json);

// `catalogctl help COMMAND`.
std::string CommandHelp(const CommandSpec& command);

// One line per subcommand, for the main usage text.
std::string CommandList();

}  // namespace ec::client
