// The documentation's grpcurl commands against the API the real server
// reflects: every RPC has one, and every request body parses as its type.
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/reflection_client.h"

namespace ec::testing {
namespace {

namespace pb = ::google::protobuf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::IsSupersetOf;
using ::testing::MatchesRegex;

// The grpcurl commands of a Markdown file: the words of each command line
// starting with "grpcurl" inside a ``` block, split as a POSIX shell would
// (quotes, backslash-newline continuations, comments), without expansion.
std::vector<std::vector<std::string>> GrpcurlCommands(
    const std::string& markdown) {
  std::string code;  // the fenced blocks' lines
  bool in_block = false;
  std::istringstream lines(markdown);
  for (std::string line; std::getline(lines, line);) {
    const size_t text = line.find_first_not_of(" \t");
    if (text != std::string::npos && line.compare(text, 3, "```") == 0) {
      in_block = !in_block;
      code += "\n";
    } else if (in_block) {
      code += line + "\n";
    }
  }
  std::vector<std::vector<std::string>> commands;
  size_t pos = 0;
  while ((pos = code.find("grpcurl ", pos)) != std::string::npos) {
    const size_t line_start = code.rfind('\n', pos) + 1;  // npos + 1 == 0
    if (code.find_first_not_of(" \t", line_start) != pos) {
      pos += 1;
      continue;
    }
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    char quote = 0;
    for (; pos < code.size(); ++pos) {
      const char c = code[pos];
      if (quote == '\'') {
        if (c == '\'') {
          quote = 0;
        } else {
          word += c;
        }
      } else if (quote == '"') {
        if (c == '"') {
          quote = 0;
        } else if (c == '\\' && pos + 1 < code.size()) {
          word += code[++pos];
        } else {
          word += c;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        in_word = true;
      } else if (c == '\\' && pos + 1 < code.size() && code[pos + 1] == '\n') {
        ++pos;
      } else if (c == '\n' || (c == '#' && !in_word)) {
        break;
      } else if (c == ' ' || c == '\t') {
        if (in_word) words.push_back(word);
        word.clear();
        in_word = false;
      } else {
        word += c;
        in_word = true;
      }
    }
    if (in_word) words.push_back(word);
    commands.push_back(words);
  }
  return commands;
}

// The documentation's grpcurl commands match the reflected API: every method
// of the catalog service has one, each names a real method, and each request
// body (-d) parses as that method's reflected request type, unknown field
// names refused. EC_SAMPLE_DATA is <checkout>/deploy/sample/sample-data.json.
TEST_F(ReflectionTest, DocumentedGrpcurlCommandsMatchTheReflectedApi) {
  const std::string sample = EC_SAMPLE_DATA;
  const std::string suffix = "deploy/sample/sample-data.json";
  ASSERT_TRUE(sample.ends_with(suffix)) << sample;
  const std::string checkout = sample.substr(0, sample.size() - suffix.size());

  ReflectionStream stream(channel());
  const std::unique_ptr<Schema> schema =
      FetchSchema(stream, {kCatalogService, kHealthService});
  EXPECT_TRUE(stream.Close().ok());
  const pb::ServiceDescriptor* catalog =
      schema->pool.FindServiceByName(kCatalogService);
  ASSERT_NE(catalog, nullptr) << Join(schema->problems);
  pb::DynamicMessageFactory factory(&schema->pool);

  // docs/api.md documents every RPC with a grpcurl command.
  for (const std::string document : {"docs/api.md"}) {
    const std::string markdown = ReadFile(checkout + document);
    SCOPED_TRACE(document);
    ASSERT_FALSE(markdown.empty());
    // "$S/Method" stands for the catalog service when the file says so.
    const bool has_s =
        markdown.find(std::string("S=") + kCatalogService) != std::string::npos;
    std::set<std::string> documented;
    for (const std::vector<std::string>& words : GrpcurlCommands(markdown)) {
      const std::string& target = words.back();
      const size_t slash = target.rfind('/');
      if (slash == std::string::npos) continue;  // list, describe
      std::string service_name = target.substr(0, slash);
      if (has_s && service_name == "$S") service_name = kCatalogService;
      const pb::ServiceDescriptor* service =
          schema->pool.FindServiceByName(service_name);
      if (service == nullptr) {
        ADD_FAILURE() << "grpcurl command for an unknown service: " << target;
        continue;
      }
      const pb::MethodDescriptor* method =
          service->FindMethodByName(target.substr(slash + 1));
      if (method == nullptr) {
        ADD_FAILURE() << "grpcurl command for an unknown method: " << target;
        continue;
      }
      if (service == catalog) documented.insert(method->name());
      for (size_t i = 0; i + 1 < words.size(); ++i) {
        if (words[i] != "-d") continue;
        std::unique_ptr<pb::Message> request(
            factory.GetPrototype(method->input_type())->New());
        const auto parsed =
            pb::util::JsonStringToMessage(words[i + 1], request.get());
        EXPECT_TRUE(parsed.ok()) << target << ": " << parsed.ToString() << "\n"
                                 << words[i + 1];
      }
    }
    for (int i = 0; i < catalog->method_count(); ++i) {
      EXPECT_EQ(documented.count(catalog->method(i)->name()), 1u)
          << "no grpcurl command for " << catalog->method(i)->name();
    }
  }
}

}  // namespace
}  // namespace ec::testing
