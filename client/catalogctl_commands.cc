#include "client/catalogctl_commands.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace ec::client {
namespace {

using Json = nlohmann::json;

// This abseil build does not alias absl::string_view to std::string_view.
absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }

constexpr std::string_view kJsonHelp =
    "other request fields as JSON (proto3 JSON mapping); \"-\" reads it from "
    "stdin. Flags override its fields.";

FlagSpec Flag(std::string_view name, std::string_view field, FlagKind kind,
              std::string_view value_name, std::string_view help) {
  FlagSpec flag;
  flag.name = name;
  flag.field = field;
  flag.kind = kind;
  flag.value_name = value_name;
  flag.help = help;
  return flag;
}

FlagSpec Required(FlagSpec flag) {
  flag.required = true;
  return flag;
}

// update-catalog's flags: each implies its field's update_mask path.
FlagSpec Masked(FlagSpec flag) {
  flag.mask_path = flag.field.substr(flag.field.find('.') + 1);
  return flag;
}

const std::vector<CommandSpec>* MakeCommands() {
  using K = FlagKind;
  const FlagSpec title = Flag("--title", "catalog.title", K::kString, "TITLE",
                              "the catalog's title");
  const FlagSpec enterprise_name =
      Flag("--enterprise-name", "catalog.enterprise_name", K::kString, "NAME",
           "the enterprise's display name");
  const FlagSpec filter =
      Flag("--filter", "catalog.content_filter", K::kJson, "JSON",
           "the course-discovery filter, a JSON object");
  const FlagSpec course_mode =
      Flag("--course-mode", "catalog.enabled_course_modes", K::kStrings, "MODE",
           "an enabled course mode; repeat for several");
  const FlagSpec publish =
      Flag("--publish-audit-enrollment-urls",
           "catalog.publish_audit_enrollment_urls", K::kBool, "",
           "publish audit enrollment urls (=false: do not)");
  const FlagSpec page_size =
      Flag("--page-size", "page_size", K::kInt, "N",
           "items per page (server default 100, at most 1000)");
  const FlagSpec page_token = Flag("--page-token", "page_token", K::kString,
                                   "TOKEN", "next_page_token of the last page");
  const FlagSpec keys =
      Required(Flag("--key", "content_keys", K::kStrings, "KEY",
                    "a content key; repeat for several"));
  const FlagSpec coerce =
      Flag("--coerce-to-parent-course", "coerce_to_parent_course", K::kBool, "",
           "answer a course run's identifier with its parent course");

  return new std::vector<CommandSpec>{
      {"create-catalog",
       "",
       "CreateCatalog",
       "Creates a catalog. ALREADY_EXISTS (6) if the uuid is taken.",
       {Flag("--uuid", "catalog.uuid", K::kString, "UUID",
             "the new catalog's uuid (default: the server makes one)"),
        Required(title),
        Required(Flag("--enterprise-uuid", "catalog.enterprise_uuid",
                      K::kString, "UUID", "the owning enterprise customer")),
        enterprise_name, Required(filter), course_mode, publish},
       false,
       "catalogctl create-catalog --title Python --enterprise-uuid E \\\n"
       "      --filter '{\"search_all\": \"python\", \"content_type\": "
       "\"course\"}'"},
      {"get-catalog",
       "",
       "GetCatalog",
       "Prints a catalog. NOT_FOUND (5) if there is none.",
       {Required(
           Flag("--uuid", "uuid", K::kString, "UUID", "the catalog's uuid"))},
       false,
       "catalogctl get-catalog --uuid 2f5c8b3d-6e9a-4b4f-8c7d-1a3e5b7d9f22"},
      {"list-catalogs",
       "",
       "ListCatalogs",
       "Lists catalogs in creation order, one page at a time.",
       {Flag("--enterprise-uuid", "enterprise_uuid", K::kString, "UUID",
             "only this enterprise's catalogs"),
        page_size, page_token},
       false,
       "catalogctl list-catalogs --enterprise-uuid E --page-size 10"},
      {"update-catalog",
       "",
       "UpdateCatalog",
       "Changes the fields given. Without --update-mask, the mask names the "
       "fields set by flags.",
       {Required(Flag("--uuid", "catalog.uuid", K::kString, "UUID",
                      "the catalog to change")),
        Masked(title), Masked(enterprise_name), Masked(filter),
        Masked(course_mode), Masked(publish),
        Flag("--update-mask", "update_mask", K::kString, "PATHS",
             "comma-separated fields to change (default: the flags given)")},
       false,
       "catalogctl update-catalog --uuid C --title 'Python, renamed'"},
      {"delete-catalog",
       "",
       "DeleteCatalog",
       "Deletes a catalog (its content stays: content is global).",
       {Required(
           Flag("--uuid", "uuid", K::kString, "UUID", "the catalog's uuid"))},
       false,
       "catalogctl delete-catalog --uuid C"},
      {"contains",
       "contains-content-items",
       "ContainsContentItems",
       "Says, per key, whether one catalog contains the content.",
       {Required(Flag("--catalog-uuid", "catalog_uuid", K::kString, "UUID",
                      "the catalog")),
        keys},
       false,
       "catalogctl contains --catalog-uuid C --key edX+DemoX --key "
       "HarvardX+CS50P"},
      {"customer-contains",
       "customer-contains-content-items",
       "CustomerContainsContentItems",
       "Lists the enterprise's catalogs that contain any of the keys.",
       {Required(Flag("--enterprise-uuid", "enterprise_uuid", K::kString,
                      "UUID", "the enterprise customer")),
        keys},
       false,
       "catalogctl customer-contains --enterprise-uuid E --key edX+DemoX"},
      {"catalog-metadata",
       "get-catalog-metadata",
       "GetCatalogMetadata",
       "Prints one page of a catalog's content, ordered by content key.",
       {Required(Flag("--catalog-uuid", "catalog_uuid", K::kString, "UUID",
                      "the catalog")),
        page_size, page_token,
        Flag("--key", "content_keys", K::kStrings, "KEY",
             "only items matching this key; repeat for several"),
        Flag("--type", "content_types", K::kStrings, "TYPE",
             "only this type (course, courserun, program, learnerpathway); "
             "repeat for several"),
        Flag("--active-only", "active_only", K::kBool, "",
             "leave out courses with no active run (ignored with --key)")},
       false,
       "catalogctl catalog-metadata --catalog-uuid C --page-size 2"},
      {"content-metadata",
       "get-content-metadata",
       "GetContentMetadata",
       "Prints the stored metadata of the keys (content keys or content "
       "uuids), and the keys not found.",
       {Required(Flag("--key", "content_keys", K::kStrings, "KEY",
                      "a content key or content uuid; repeat for several")),
        coerce},
       false,
       "catalogctl content-metadata --key edX+DemoX --key no+such+course"},
      {"refresh",
       "refresh-catalog",
       "RefreshCatalog",
       "Asks the workers to re-crawl the catalog's query and prints the job "
       "(the one already queued or running, if any).",
       {Required(Flag("--catalog-uuid", "catalog_uuid", K::kString, "UUID",
                      "the catalog")),
        Flag("--force", "force", K::kBool, "",
             "apply the crawl even if the removal guardrail would hold it")},
       true,
       "catalogctl refresh --catalog-uuid C --wait --wait-timeout 600"},
      {"get-refresh-job",
       "refresh-job",
       "GetRefreshJob",
       "Prints a refresh job. NOT_FOUND (5) if there is none.",
       {Required(
           Flag("--job-uuid", "job_uuid", K::kString, "UUID", "the job"))},
       false,
       "catalogctl get-refresh-job --job-uuid J"},
      {"notify-content-changed",
       "",
       "NotifyContentChanged",
       "A publish event: the workers fetch these courses' and programs' full "
       "documents again now and re-crawl every in-use query that contains "
       "them. Prints the keys queued and unknown, and the full-metadata job. "
       "Operator and service roles.",
       {Required(Flag("--content-key", "content_keys", K::kStrings, "KEY",
                      "a course key, program uuid or course-run key (a run "
                      "stands for its course); repeat for several"))},
       false,
       "catalogctl notify-content-changed --content-key edX+DemoX"},
      {"get-catalog-query",
       "",
       "GetCatalogQuery",
       "Prints the catalog query shared by every catalog with the same "
       "canonical filter: its filter, content count, last refresh and how "
       "many catalogs use it. Give --uuid or --hash. NOT_FOUND (5) if there "
       "is none. Operator and service roles.",
       {Flag("--uuid", "uuid", K::kString, "UUID",
             "the query's uuid (a catalog's catalog_query_uuid)"),
        Flag("--hash", "content_filter_hash", K::kString, "HASH",
             "the filter's hash (a catalog's content_filter_hash, or "
             "hash-content-filter's)")},
       false,
       "catalogctl get-catalog-query --hash "
       "41a42fc7cdbff43d2a0e95e07cce30ca"},
      {"hash-content-filter",
       "",
       "HashContentFilter",
       "Prints the canonical text and the hash that create-catalog would "
       "store for a filter; reads nothing.",
       {Required(Flag("--filter", "content_filter", K::kJson, "JSON",
                      "the course-discovery filter, a JSON object"))},
       false,
       "catalogctl hash-content-filter --filter '{\"content_type\": "
       "\"course\"}'"},
      {"upsert-enterprise-customer",
       "",
       "UpsertEnterpriseCustomer",
       "Creates or replaces an enterprise customer: fields not given are "
       "cleared (--enable-learner-portal not given is false). Operator and "
       "service roles.",
       {Required(Flag("--uuid", "customer.uuid", K::kString, "UUID",
                      "the enterprise customer's uuid")),
        Flag("--slug", "customer.slug", K::kString, "SLUG",
             "the customer's slug, as the learner portal's URLs use it"),
        Flag("--name", "customer.name", K::kString, "NAME",
             "the customer's name"),
        Flag("--enable-learner-portal", "customer.enable_learner_portal",
             K::kBool, "",
             "learners enroll through the learner portal (=false: through "
             "the LMS)")},
       false,
       "catalogctl upsert-enterprise-customer --uuid E --slug acme \\\n"
       "      --name 'Acme Inc.' --enable-learner-portal"},
      {"get-enterprise-customer",
       "",
       "GetEnterpriseCustomer",
       "Prints an enterprise customer. NOT_FOUND (5) if the platform never "
       "wrote it.",
       {Required(Flag("--uuid", "uuid", K::kString, "UUID",
                      "the enterprise customer's uuid"))},
       false,
       "catalogctl get-enterprise-customer --uuid E"},
      {"get-customer-content-metadata",
       "customer-content-metadata",
       "GetCustomerContentMetadata",
       "Prints one item for an enterprise customer, with the per-catalog "
       "fields of its oldest catalog that contains it, and that catalog's "
       "uuid. NOT_FOUND (5) if no catalog of the customer contains it.",
       {Required(Flag("--enterprise-uuid", "enterprise_uuid", K::kString,
                      "UUID", "the enterprise customer")),
        Required(Flag("--content-identifier", "content_identifier", K::kString,
                      "ID", "a content key or content uuid")),
        coerce},
       false,
       "catalogctl get-customer-content-metadata --enterprise-uuid E \\\n"
       "      --content-identifier course-v1:edX+DemoX+1T2026 "
       "--coerce-to-parent-course"},
      {"diff-catalog-content",
       "",
       "DiffCatalogContent",
       "Compares the keys a caller holds with the catalog: the keys it no "
       "longer contains, the items not held, and when each held item last "
       "changed. Exact key matches only; up to 10,000 keys.",
       {Required(Flag("--catalog-uuid", "catalog_uuid", K::kString, "UUID",
                      "the catalog")),
        Flag("--key", "content_keys", K::kStrings, "KEY",
             "a content key the caller holds; repeat for several (none: "
             "every item of the catalog is in items_not_included)")},
       false,
       "catalogctl diff-catalog-content --catalog-uuid C --key edX+DemoX \\\n"
       "      --key HarvardX+CS50P"},
  };
}

// "content_keys" -> "contentKeys": the other spelling the JSON mapping
// accepts, which --json may use.
std::string LowerCamel(std::string_view name) {
  std::string out;
  bool upper = false;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out.push_back(upper ? absl::ascii_toupper(c) : c);
    upper = false;
  }
  return out;
}

// Renames `object`'s lowerCamelCase spelling of `name` to `name`, so that a
// flag replaces a --json field however it was spelt (the parser rejects a
// field given twice). Returns the member, or null if absent.
Json* Member(Json& object, const std::string& name) {
  const std::string camel = LowerCamel(name);
  if (camel != name && object.contains(camel)) {
    object[name] = std::move(object[camel]);
    object.erase(camel);
  }
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

// Sets the dotted `path` in `root` to `value`, making objects on the way.
absl::Status SetPath(Json& root, std::string_view path, Json value) {
  Json* node = &root;
  const std::vector<std::string> parts = absl::StrSplit(ToAbsl(path), '.');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    Json* child = Member(*node, parts[i]);
    if (child == nullptr) {
      child = &((*node)[parts[i]] = Json::object());
    }
    if (!child->is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--json field \"", parts[i], "\" must be an object"));
    }
    node = child;
  }
  Member(*node, parts.back());
  (*node)[parts.back()] = std::move(value);
  return absl::OkStatus();
}

// True if the dotted `path` holds something other than "", [] or {}.
bool HasPath(Json& root, std::string_view path) {
  Json* node = &root;
  for (absl::string_view part : absl::StrSplit(ToAbsl(path), '.')) {
    if (!node->is_object()) return false;
    node = Member(*node, std::string(part));
    if (node == nullptr) return false;
  }
  return !node->is_null() &&
         !(node->is_string() && node->get<std::string>().empty()) &&
         !((node->is_array() || node->is_object()) && node->empty());
}

// Accepts both "--name VALUE" and "--name=VALUE". Returns nullopt if `arg` is
// not this flag; an error if the value is missing.
std::optional<absl::StatusOr<std::string>> FlagValue(
    std::string_view name, const std::vector<std::string>& argv, size_t* i) {
  std::string_view arg = argv[*i];
  if (arg == name) {
    if (*i + 1 >= argv.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(ToAbsl(name), " needs a value"));
    }
    return argv[++*i];
  }
  if (arg.size() > name.size() && arg.substr(0, name.size()) == name &&
      arg[name.size()] == '=') {
    return std::string(arg.substr(name.size() + 1));
  }
  return std::nullopt;
}

absl::StatusOr<std::chrono::milliseconds> Seconds(std::string_view flag,
                                                  const std::string& value) {
  double seconds = 0;
  if (!absl::SimpleAtod(value, &seconds) || !std::isfinite(seconds) ||
      seconds <= 0 || seconds > 86400) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(flag), " needs a number of seconds in (0, 86400]"));
  }
  return std::chrono::milliseconds(
      std::max<long long>(1, std::llround(seconds * 1000)));
}

// The value of one flag, as JSON.
absl::StatusOr<Json> FlagJson(const FlagSpec& flag, const std::string& value) {
  switch (flag.kind) {
    case FlagKind::kString:
    case FlagKind::kStrings:
      return Json(value);
    case FlagKind::kInt: {
      int64_t n = 0;
      if (!absl::SimpleAtoi(value, &n)) {
        return absl::InvalidArgumentError(
            absl::StrCat(ToAbsl(flag.name), " needs an integer"));
      }
      return Json(n);
    }
    case FlagKind::kBool:
      if (value == "true") return Json(true);
      if (value == "false") return Json(false);
      return absl::InvalidArgumentError(
          absl::StrCat(ToAbsl(flag.name), " takes =true or =false"));
    case FlagKind::kJson: {
      Json parsed = Json::parse(value, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_discarded()) {
        return absl::InvalidArgumentError(
            absl::StrCat(ToAbsl(flag.name), " needs valid JSON"));
      }
      return parsed;
    }
  }
  return absl::InternalError("unknown flag kind");
}

// Fills `units` (words, or bracketed flags kept whole) into lines of at most
// 79 columns, the first continuing at column `first`, the others indented by
// `indent`.
std::string Fill(const std::vector<std::string>& units, size_t first,
                 size_t indent) {
  std::string out;
  size_t column = first;
  bool line_start = true;
  for (const std::string& unit : units) {
    if (!line_start && column + 1 + unit.size() > 79) {
      absl::StrAppend(&out, "\n", std::string(indent, ' '));
      column = indent;
      line_start = true;
    }
    if (!line_start) {
      out.push_back(' ');
      ++column;
    }
    absl::StrAppend(&out, unit);
    column += unit.size();
    line_start = false;
  }
  return out;
}

std::string Wrap(std::string_view text, size_t first, size_t indent) {
  return Fill(absl::StrSplit(ToAbsl(text), ' ', absl::SkipEmpty()), first,
              indent);
}

std::vector<std::string> Synopsis(const CommandSpec& command) {
  std::vector<std::string> units = {std::string(command.name)};
  for (const FlagSpec& flag : command.flags) {
    std::string unit = std::string(flag.name);
    if (!flag.value_name.empty()) {
      absl::StrAppend(&unit, " ", ToAbsl(flag.value_name));
    }
    if (flag.kind == FlagKind::kStrings) absl::StrAppend(&unit, "...");
    units.push_back(flag.required ? unit : "[" + unit + "]");
  }
  if (command.can_wait) units.push_back("[--wait]");
  units.push_back("[--json JSON|-]");
  return units;
}

}  // namespace

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec>* commands = MakeCommands();
  return *commands;
}

const CommandSpec* FindCommand(std::string_view name) {
  for (const CommandSpec& command : Commands()) {
    if (command.name == name || command.method == name ||
        (!command.alias.empty() && command.alias == name)) {
      return &command;
    }
  }
  return nullptr;
}

absl::StatusOr<bool> ParseCommandFlag(const std::vector<std::string>& argv,
                                      size_t* i, Invocation* invocation) {
  const CommandSpec& command = *invocation->command;
  if (auto value = FlagValue("--json", argv, i)) {
    if (!value->ok()) return value->status();
    invocation->json = **std::move(value);
    return true;
  }
  if (command.can_wait) {
    if (argv[*i] == "--wait") {
      invocation->wait = true;
      return true;
    }
    if (auto value = FlagValue("--wait-timeout", argv, i)) {
      if (!value->ok()) return value->status();
      absl::StatusOr<std::chrono::milliseconds> timeout =
          Seconds("--wait-timeout", **value);
      if (!timeout.ok()) return timeout.status();
      invocation->wait_timeout = *timeout;
      return true;
    }
    if (auto value = FlagValue("--poll-interval", argv, i)) {
      if (!value->ok()) return value->status();
      absl::StatusOr<std::chrono::milliseconds> interval =
          Seconds("--poll-interval", **value);
      if (!interval.ok()) return interval.status();
      invocation->poll_interval = *interval;
      return true;
    }
  }

  for (const FlagSpec& flag : command.flags) {
    std::optional<absl::StatusOr<std::string>> value;
    if (flag.kind == FlagKind::kBool && argv[*i] == flag.name) {
      value = std::string("true");
    } else {
      value = FlagValue(flag.name, argv, i);
    }
    if (!value.has_value()) continue;
    if (!value->ok()) return value->status();
    absl::StatusOr<Json> json = FlagJson(flag, **value);
    if (!json.ok()) return json.status();
    Json& slot = invocation->fields[std::string(flag.field)];
    if (flag.kind == FlagKind::kStrings) {
      if (!slot.is_array()) slot = Json::array();
      slot.push_back(*std::move(json));
    } else {
      slot = *std::move(json);
    }
    if (!flag.mask_path.empty() &&
        std::find(invocation->mask_paths.begin(), invocation->mask_paths.end(),
                  flag.mask_path) == invocation->mask_paths.end()) {
      invocation->mask_paths.emplace_back(flag.mask_path);
    }
    return true;
  }
  return false;
}

absl::StatusOr<std::string> BuildRequest(const Invocation& invocation,
                                         std::string_view base_json) {
  const CommandSpec& command = *invocation.command;
  Json request = Json::object();
  if (!base_json.empty()) {
    request = Json::parse(base_json, nullptr, /*allow_exceptions=*/false);
    if (request.is_discarded() || !request.is_object()) {
      return absl::InvalidArgumentError("--json needs a JSON object");
    }
  }
  for (const auto& [field, value] : invocation.fields) {
    if (absl::Status set = SetPath(request, field, value); !set.ok()) {
      return set;
    }
  }
  if (!invocation.mask_paths.empty() && !HasPath(request, "update_mask")) {
    request["update_mask"] = absl::StrJoin(invocation.mask_paths, ",");
  }
  for (const FlagSpec& flag : command.flags) {
    if (flag.required && !HasPath(request, flag.field)) {
      return absl::InvalidArgumentError(
          absl::StrCat(ToAbsl(command.name), " needs ", ToAbsl(flag.name),
                       " (or \"", ToAbsl(flag.field), "\" in --json)"));
    }
  }
  return request.dump();
}

std::string CommandHelp(const CommandSpec& command) {
  constexpr std::string_view kUsage = "Usage: catalogctl [OPTIONS] ";
  std::string out = absl::StrCat(
      ToAbsl(kUsage), Fill(Synopsis(command), kUsage.size(), 8), "\n\n",
      Wrap(absl::StrCat("Calls ", ToAbsl(command.method), ". ",
                        ToAbsl(command.summary)),
           0, 0),
      "\n");
  if (!command.alias.empty()) {
    absl::StrAppend(&out, "Also callable as '", ToAbsl(command.alias), "'.\n");
  }
  absl::StrAppend(&out, "\nFlags:\n");
  constexpr size_t kHelpColumn = 30;
  auto line = [&out](std::string left, std::string_view help) {
    absl::StrAppend(&out, "  ", left);
    if (left.size() + 2 < kHelpColumn) {
      absl::StrAppend(&out, std::string(kHelpColumn - 2 - left.size(), ' '));
    } else {
      absl::StrAppend(&out, "\n", std::string(kHelpColumn, ' '));
    }
    absl::StrAppend(&out, Wrap(help, kHelpColumn, kHelpColumn), "\n");
  };
  for (const FlagSpec& flag : command.flags) {
    std::string left = std::string(flag.name);
    if (!flag.value_name.empty()) {
      absl::StrAppend(&left, " ", ToAbsl(flag.value_name));
    }
    line(left,
         absl::StrCat(ToAbsl(flag.help), flag.required ? " (required)" : ""));
  }
  if (command.can_wait) {
    line("--wait",
         "poll the job until it ends; exit 0 if it SUCCEEDED, 10 (ABORTED) "
         "if it FAILED, 9 (FAILED_PRECONDITION) if it is HELD, 4 "
         "(DEADLINE_EXCEEDED) if --wait-timeout passes first");
    line("--wait-timeout SECONDS", "how long --wait waits (default 300)");
    line("--poll-interval SECONDS", "time between polls (default 1)");
  }
  line("--json JSON|-", kJsonHelp);
  absl::StrAppend(&out,
                  "\nOPTIONS are those of 'catalogctl --help'; they may also "
                  "follow the subcommand.\n\nExample:\n  ",
                  ToAbsl(command.example), "\n");
  return out;
}

std::string CommandList() {
  // The RPC names in one column, after the longest command name.
  size_t width = 20;
  for (const CommandSpec& command : Commands()) {
    width = std::max(width, command.name.size() + 2);
  }
  std::string out;
  for (const CommandSpec& command : Commands()) {
    std::string name = std::string(command.name);
    name.resize(width, ' ');
    absl::StrAppend(&out, "  ", name, ToAbsl(command.method), "\n");
  }
  return out;
}

}  // namespace ec::client
