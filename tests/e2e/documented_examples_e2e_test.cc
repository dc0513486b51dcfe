// The documented examples, run: every catalogctl example of docs/api.md and
// docs/security.md, against the state the quickstart (scripts/run.sh)
// builds, each checked against the answer written under it.
//
// The state is built as run.sh builds it: the real discovery-stub with the
// flags of deploy/sample/quickstart-discovery-stub.flags; `enterprise-catalog
// migrate` and `import --file deploy/sample/quickstart-catalogs.json` on a
// fresh database; tokens from `enterprise-catalog mint-token`; and
// `enterprise-catalog all` with authentication on, whose refresh workers fill
// the catalogs from the stand-in. The examples run once every catalog has
// been filled.
//
// The convention (also in docs/api.md, "The examples", and tests/README.md):
//
//   $C GetCatalog '{"uuid": "..."}'      an example: a line of a fenced code
//                                        block that starts with $C (catalogctl)
//   # -> {"title": "A: ..."}             the line right under it: the answer
//   # -> exit 5 {"code": "NOT_FOUND"}    ... or the exit code and stderr's JSON
//
// - The expected JSON is a subset of the answer: each member it names must be
//   there with that value. An array must have exactly its elements, each
//   matched the same way. A string ending in "…" matches any string that
//   starts with the rest. Without "exit N" the command must exit 0. An
//   expectation may go on over the following comment lines until it is
//   complete JSON.
// - Every example needs an expected answer, so a new one cannot go untested.
// - NAME=value words before $C are the command's environment. Every example
//   runs with the operator token in ENTERPRISE_CATALOG_TOKEN, as the docs
//   export it; `.data/NAME` arguments name the quickstart's files (the
//   tokens). Other shell variables, pipes and redirections are refused.
// - "<FIELD of the previous response>" in an argument is replaced by that
//   top-level field of the previous successful example's answer (a page
//   token, a job uuid). The examples run in document order, as one session.
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/uuid.h"
#include "enterprise_catalog/v1/catalog_service.pb.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"
#include "tests/support/pg_test_db.h"

namespace ec {
namespace {

using ec::testing::ChildProcess;
using ec::testing::CommandResult;
using ec::testing::RunCommand;
using nlohmann::json;

constexpr const char* kDocuments[] = {"docs/api.md", "docs/security.md"};
constexpr char kStubFlags[] = "deploy/sample/quickstart-discovery-stub.flags";
constexpr char kQuickstartCatalogs[] = "deploy/sample/quickstart-catalogs.json";
// As scripts/run.sh sets them.
constexpr char kIssuer[] = "http://localhost:18000/oauth2";
constexpr char kAudience[] = "enterprise-catalog";
// The stand-in's default client credentials, which run.sh uses.
constexpr char kClientId[] = "enterprise-catalog-worker";
constexpr char kClientSecret[] = "enterprise-catalog-secret";
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026 "…"

std::string SourcePath(const std::string& relative) {
  return std::string(EC_SOURCE_DIR) + "/" + relative;
}

std::string Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  const size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

// One documented catalogctl example.
struct Example {
  std::string where;              // "docs/api.md:123"
  std::string command;            // its first line, for messages
  std::vector<std::string> env;   // NAME=value words before $C
  std::vector<std::string> args;  // catalogctl's arguments
  std::string error;              // why it cannot be run, if it cannot
  bool has_expectation = false;
  int exit_code = 0;
  std::optional<json> expected;
};

// The words of the shell command at the start of `text`, as bash would split
// them, for the little shell the examples use: quotes, backslashes, line
// continuations and comments. `*end` is set to where the command ends (its
// final line break, or text.size()). Anything the test cannot run as bash
// would (variables other than a leading $C, pipes, redirections,
// substitutions) sets `*error`.
std::vector<std::string> ShellWords(const std::string& text, size_t* end,
                                    std::string* error) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  size_t pos = 0;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    const char next = pos + 1 < text.size() ? text[pos + 1] : '\0';
    if (quote == '\'') {
      if (c == '\'') {
        quote = 0;
      } else {
        word += c;
      }
    } else if (quote == '"') {
      if (c == '"') {
        quote = 0;
      } else if (c == '\\' && (next == '"' || next == '\\' || next == '$')) {
        word += next;
        ++pos;
      } else if (c == '\\' && next == '\n') {
        ++pos;
      } else if (c == '$' || c == '`') {
        *error = "a shell variable or substitution inside double quotes";
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && next == '\n') {
      ++pos;  // line continuation
    } else if (c == '\\' && next != '\0') {
      word += next;
      in_word = true;
      ++pos;
    } else if (c == '\n' || (c == '#' && !in_word)) {
      break;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else if (c == '$') {
      const char after = pos + 2 < text.size() ? text[pos + 2] : '\n';
      if (!in_word && next == 'C' &&
          (after == ' ' || after == '\t' || after == '\n')) {
        word = "$C";
        in_word = true;
        ++pos;
      } else {
        *error = "a shell variable or substitution other than a leading $C";
      }
    } else if (std::string_view("<>|;&()`").find(c) != std::string::npos) {
      *error = std::string("shell syntax the test cannot run: '") + c + "'";
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0) *error = "an unterminated quote";
  if (in_word) words.push_back(word);
  *end = pos;
  return words;
}

// The catalogctl examples of `markdown`, in document order.
std::vector<Example> ParseExamples(const std::string& document,
                                   const std::string& markdown) {
  // The lines of the fenced code blocks; other lines are left empty, so
  // that line numbers stay those of the file.
  std::vector<std::string> lines;
  std::vector<bool> in_code;
  {
    std::istringstream in(markdown);
    bool in_block = false;
    for (std::string line; std::getline(in, line);) {
      if (Trim(line).starts_with("```")) {
        in_block = !in_block;
        lines.emplace_back();
        in_code.push_back(false);
        continue;
      }
      lines.push_back(in_block ? line : "");
      in_code.push_back(in_block);
    }
  }
  static const std::regex kCommandStart(
      R"(^([A-Za-z_][A-Za-z0-9_]*=\S*[ \t]+)*\$C([ \t]|$))");
  static const std::regex kAssignment(R"(^[A-Za-z_][A-Za-z0-9_]*=.*$)");
  std::vector<Example> examples;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string first = Trim(lines[i]);
    if (!in_code[i] || !std::regex_search(first, kCommandStart)) continue;
    Example example;
    example.where = document + ":" + std::to_string(i + 1);
    example.command = first;
    // The command may go on over the following lines of its block.
    std::string text = first;
    for (size_t j = i + 1; j < lines.size() && in_code[j]; ++j) {
      text += "\n" + lines[j];
    }
    size_t end = 0;
    const std::vector<std::string> words =
        ShellWords(text, &end, &example.error);
    i += std::count(text.begin(), text.begin() + end, '\n');
    bool seen_c = false;
    for (const std::string& word : words) {
      if (seen_c) {
        example.args.push_back(word);
      } else if (word == "$C") {
        seen_c = true;
      } else if (std::regex_match(word, kAssignment)) {
        example.env.push_back(word);
      } else {
        example.error = "\"" + word + "\" before $C is not NAME=value";
      }
    }
    // The expected answer, on the line right under the command.
    const size_t at = i + 1;
    const std::string marker =
        at < lines.size() && in_code[at] ? Trim(lines[at]) : "";
    if (marker.starts_with("# ->")) {
      example.has_expectation = true;
      i = at;
      std::string rest = Trim(std::string_view(marker).substr(4));
      static const std::regex kExit(R"(^exit (\d+)(.*)$)");
      std::smatch exit;
      if (std::regex_match(rest, exit, kExit)) {
        example.exit_code = std::stoi(exit[1]);
        rest = Trim(exit[2].str());
      }
      if (!rest.empty()) {
        json parsed = json::parse(rest, nullptr, false);
        // A longer answer goes on over the next comment lines.
        while (parsed.is_discarded() && i + 1 < lines.size() &&
               in_code[i + 1] && Trim(lines[i + 1]).starts_with("#") &&
               !Trim(lines[i + 1]).starts_with("# ->")) {
          ++i;
          rest += "\n" + Trim(lines[i]).substr(1);
          parsed = json::parse(rest, nullptr, false);
        }
        if (parsed.is_discarded()) {
          example.error = "the expected answer is not JSON: " + rest;
        } else {
          example.expected = std::move(parsed);
        }
      }
    }
    examples.push_back(std::move(example));
  }
  return examples;
}

// Whether `actual` has everything `expected` names (see the top of the
// file); if not, `*why` says where they differ.
bool Matches(const json& expected, const json& actual, const std::string& path,
             std::string* why) {
  if (expected.is_object()) {
    if (!actual.is_object()) {
      *why = path + ": expected an object, got " + actual.dump();
      return false;
    }
    for (const auto& [name, value] : expected.items()) {
      if (!actual.contains(name)) {
        *why = path + "/" + name + ": missing from the answer";
        return false;
      }
      if (!Matches(value, actual[name], path + "/" + name, why)) return false;
    }
    return true;
  }
  if (expected.is_array()) {
    if (!actual.is_array() || actual.size() != expected.size()) {
      *why = path + ": expected " + std::to_string(expected.size()) +
             " elements, got " + actual.dump();
      return false;
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      if (!Matches(expected[i], actual[i], path + "/" + std::to_string(i),
                   why)) {
        return false;
      }
    }
    return true;
  }
  if (expected.is_string() && actual.is_string()) {
    const std::string& want = expected.get_ref<const std::string&>();
    const std::string& got = actual.get_ref<const std::string&>();
    if (want.ends_with(kEllipsis)
            ? got.starts_with(want.substr(0, want.size() - kEllipsis.size()))
            : got == want) {
      return true;
    }
  } else if (expected == actual) {
    return true;
  }
  *why = path + ": expected " + expected.dump() + ", got " + actual.dump();
  return false;
}

// `answer` for a failure message: strings over 100 bytes (documents) are cut.
std::string Shortened(const json& answer) {
  json copy = answer;
  std::vector<json*> pending = {&copy};
  while (!pending.empty()) {
    json* value = pending.back();
    pending.pop_back();
    if (value->is_structured()) {
      for (json& child : *value) pending.push_back(&child);
    } else if (value->is_string() &&
               value->get_ref<std::string&>().size() > 100) {
      *value = value->get_ref<std::string&>().substr(0, 100) + "...";
    }
  }
  return copy.dump(1, ' ', false, json::error_handler_t::replace);
}

// `arg` with every "<FIELD of the previous response>" replaced by that field
// of `previous`.
std::string Substitute(const std::string& arg, const json& previous,
                       std::string* error) {
  static const std::regex kPlaceholder(
      R"(<([a-z_]+) of the previous response>)");
  std::string out;
  auto begin = std::sregex_iterator(arg.begin(), arg.end(), kPlaceholder);
  size_t copied = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const std::string field = (*it)[1];
    out += arg.substr(copied, it->position() - copied);
    copied = it->position() + it->length();
    if (!previous.is_object() || !previous.contains(field) ||
        !previous[field].is_string()) {
      *error = "the previous answer has no string field \"" + field + "\"";
      return arg;
    }
    out += previous[field].get<std::string>();
  }
  return out + arg.substr(copied);
}

// The stand-in's flags, as run.sh reads them: whitespace-separated words of
// the lines that are not comments.
std::vector<std::string> StubFlags() {
  std::istringstream in(testing::ReadFile(SourcePath(kStubFlags)));
  std::vector<std::string> flags;
  for (std::string line; std::getline(in, line);) {
    if (Trim(line).starts_with("#")) continue;
    std::istringstream words(line);
    for (std::string word; words >> word;) flags.push_back(word);
  }
  return flags;
}

std::string RandomSecret() {
  std::string secret = common::NewUuidV4() + common::NewUuidV4();
  std::erase(secret, '-');
  return secret;
}

class DocumentedExamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/ec-documented-examples-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    work_dir_ = dir;
    std::filesystem::create_directory(work_dir_ + "/.data");
  }
  void TearDown() override { std::filesystem::remove_all(work_dir_); }

  // The quickstart's file `name` (.data/name), written as run.sh writes it.
  void WriteDataFile(const std::string& name, const std::string& content) {
    std::ofstream(work_dir_ + "/.data/" + name) << content;
  }

  std::string work_dir_;
};

TEST_F(DocumentedExamplesTest, EveryCatalogctlExampleGivesItsDocumentedAnswer) {
  // The discovery stand-in, with the quickstart's dataset.
  const std::vector<std::string> flags = StubFlags();
  ASSERT_FALSE(flags.empty()) << "no flags in " << kStubFlags;
  std::vector<std::string> stub_argv = {EC_DISCOVERY_STUB_BINARY, "--host",
                                        "127.0.0.1", "--port", "0"};
  stub_argv.insert(stub_argv.end(), flags.begin(), flags.end());
  ChildProcess stub(stub_argv, {}, testing::ChildOutput::kLogFile);
  const std::string discovery =
      stub.WaitForLogMatch(R"re("listening": "(http://127\.0\.0\.1:\d+)")re",
                           std::chrono::seconds(60));
  ASSERT_FALSE(discovery.empty()) << stub.log();

  // The database, migrated, with the quickstart's catalogs.
  auto db = testing::PgTestDatabase::Create();
  ASSERT_TRUE(db.ok()) << db.status();
  const std::string db_env = "ENTERPRISE_CATALOG_DATABASE_URL=" + (*db)->dsn();
  CommandResult step = RunCommand({EC_BINARY, "migrate"}, {db_env});
  ASSERT_EQ(step.exit_code, 0) << step.err;
  step = RunCommand(
      {EC_BINARY, "import", "--file", SourcePath(kQuickstartCatalogs)},
      {db_env});
  ASSERT_EQ(step.exit_code, 0) << step.err;
  const json catalogs = json::parse(
      testing::ReadFile(SourcePath(kQuickstartCatalogs)))["catalogs"];
  ASSERT_FALSE(catalogs.empty());

  // Authentication as run.sh sets it up: an operator token, and an admin
  // token for the first catalog's enterprise.
  const std::vector<std::string> auth_env = {
      "ENTERPRISE_CATALOG_JWT_SECRET=" + RandomSecret(),
      std::string("ENTERPRISE_CATALOG_JWT_ISSUER=") + kIssuer,
      std::string("ENTERPRISE_CATALOG_JWT_AUDIENCE=") + kAudience};
  const CommandResult operator_token = RunCommand(
      {EC_BINARY, "mint-token", "--subject", "quickstart-operator", "--roles",
       "enterprise_openedx_operator:*", "--ttl-seconds", "43200"},
      auth_env);
  ASSERT_EQ(operator_token.exit_code, 0) << operator_token.err;
  const CommandResult admin_token = RunCommand(
      {EC_BINARY, "mint-token", "--subject", "quickstart-admin", "--roles",
       "enterprise_catalog_admin:" +
           catalogs[0]["enterprise_uuid"].get<std::string>(),
       "--ttl-seconds", "43200"},
      auth_env);
  ASSERT_EQ(admin_token.exit_code, 0) << admin_token.err;
  WriteDataFile("operator.token", operator_token.out);
  WriteDataFile("admin.token", admin_token.out);
  const std::string token = Trim(operator_token.out);

  // `enterprise-catalog all`, with the settings run.sh gives it.
  std::vector<std::string> server_env = {
      db_env, "ENTERPRISE_CATALOG_GRPC_ADDRESS=127.0.0.1:0",
      "ENTERPRISE_CATALOG_METRICS_ADDRESS=127.0.0.1:0",
      "ENTERPRISE_CATALOG_DISCOVERY_URL=" + discovery + "/api/v1/",
      "ENTERPRISE_CATALOG_OAUTH_URL=" + discovery,
      std::string("ENTERPRISE_CATALOG_OAUTH_CLIENT_ID=") + kClientId,
      std::string("ENTERPRISE_CATALOG_OAUTH_CLIENT_SECRET=") + kClientSecret,
      "ENTERPRISE_CATALOG_PLAINTEXT=true",
      "ENTERPRISE_CATALOG_REFRESH_MIN_REQUEST_INTERVAL_SECONDS=0",
      "ENTERPRISE_CATALOG_PAGE_TOKEN_SECRET=" + RandomSecret(),
      // Only sooner than run.sh's default (1 s); no answer depends on it.
      "ENTERPRISE_CATALOG_REFRESH_POLL_MS=200"};
  server_env.insert(server_env.end(), auth_env.begin(), auth_env.end());
  ChildProcess server({EC_BINARY, "all"}, server_env,
                      testing::ChildOutput::kLogFile, {"ENTERPRISE_CATALOG_"});
  const std::string port = server.WaitForLogMatch(testing::kServingPortPattern,
                                                  std::chrono::seconds(30));
  ASSERT_FALSE(port.empty()) << server.log();
  const std::string address = "127.0.0.1:" + port;
  // catalogctl's settings; the TLS ones emptied, so that a developer's shell
  // cannot turn the plaintext quickstart port into a failed handshake.
  const std::vector<std::string> ctl_env = {
      "ENTERPRISE_CATALOG_ADDRESS=" + address,
      "ENTERPRISE_CATALOG_TOKEN=" + token,
      "ENTERPRISE_CATALOG_CA_FILE=", "ENTERPRISE_CATALOG_CLIENT_CERT_FILE=",
      "ENTERPRISE_CATALOG_CLIENT_KEY_FILE="};

  // Wait until the workers have filled every catalog.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(90);
  bool filled = false;
  std::string listing;
  while (!filled && std::chrono::steady_clock::now() < deadline) {
    const CommandResult list =
        RunCommand({EC_CATALOGCTL, "ListCatalogs", "{}"}, ctl_env);
    listing = list.out + list.err;
    const json answer = json::parse(list.out, nullptr, false);
    if (list.exit_code == 0 && answer.is_object() &&
        answer["catalogs"].size() == catalogs.size()) {
      filled = true;
      for (const json& catalog : answer["catalogs"]) {
        if (!catalog.contains("content_refreshed")) filled = false;
      }
    }
    if (!filled) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(filled) << "the catalogs were not filled in time:\n"
                      << listing << "\n"
                      << server.log();

  // Every example, in document order, as one session.
  std::set<std::string> methods_shown;  // RPC names in api.md's examples
  json previous;
  for (const char* document : kDocuments) {
    const std::string markdown = testing::ReadFile(SourcePath(document));
    ASSERT_FALSE(markdown.empty()) << "cannot read " << document;
    const std::vector<Example> examples = ParseExamples(document, markdown);
    EXPECT_FALSE(examples.empty()) << document << " has no $C examples";
    for (const Example& example : examples) {
      SCOPED_TRACE(example.where + ": " + example.command);
      if (!example.error.empty()) {
        ADD_FAILURE() << "cannot run this example: " << example.error;
        continue;
      }
      if (!example.has_expectation) {
        ADD_FAILURE() << "no expected answer: write it on the line under the "
                         "command, as `# -> {...}` or `# -> exit N {...}`";
        continue;
      }
      std::vector<std::string> argv = {EC_CATALOGCTL};
      std::string error;
      for (const std::string& arg : example.args) {
        std::string value = Substitute(arg, previous, &error);
        if (value.starts_with(".data/")) value = work_dir_ + "/" + value;
        argv.push_back(value);
        if (document == std::string_view("docs/api.md")) {
          methods_shown.insert(arg);
        }
      }
      if (!error.empty()) {
        ADD_FAILURE() << error;
        continue;
      }
      // The example's own NAME=value words win over the defaults.
      std::map<std::string, std::string> env;
      for (const auto& list : {ctl_env, example.env}) {
        for (const std::string& entry : list) {
          const size_t eq = entry.find('=');
          env[entry.substr(0, eq)] = entry.substr(eq + 1);
        }
      }
      std::vector<std::string> env_list;
      for (const auto& [name, value] : env) {
        env_list.push_back(name + "=" + value);
      }
      const CommandResult result = RunCommand(argv, env_list);
      const std::string answer =
          result.exit_code == 0 ? result.out : result.err;
      EXPECT_EQ(result.exit_code, example.exit_code)
          << "stdout:\n"
          << result.out << "\nstderr:\n"
          << result.err;
      if (result.exit_code == example.exit_code && example.expected) {
        const json actual = json::parse(answer, nullptr, false);
        std::string why;
        if (actual.is_discarded()) {
          ADD_FAILURE() << "the answer is not JSON:\n" << answer;
        } else if (!Matches(*example.expected, actual, "", &why)) {
          ADD_FAILURE() << "the answer differs from the documented one: " << why
                        << "\nthe answer (long strings cut):\n"
                        << Shortened(actual);
        }
      }
      if (result.exit_code == 0) previous = json::parse(answer, nullptr, false);
    }
  }

  // docs/api.md shows every RPC in the METHOD JSON form.
  const google::protobuf::ServiceDescriptor* service =
      ::enterprise_catalog::v1::GetCatalogRequest::descriptor()
          ->file()
          ->FindServiceByName("EnterpriseCatalogService");
  ASSERT_NE(service, nullptr);
  for (int i = 0; i < service->method_count(); ++i) {
    EXPECT_EQ(methods_shown.count(service->method(i)->name()), 1u)
        << "docs/api.md has no catalogctl example of "
        << service->method(i)->name();
  }

  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0) << server.log();
}

}  // namespace
}  // namespace ec
