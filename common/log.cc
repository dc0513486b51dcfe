#include "common/log.h"

#include <memory>
#include <string>

#include "spdlog/sinks/stdout_sinks.h"

namespace ec {

absl::Status InitJsonLogging(std::string_view level) {
  const spdlog::level::level_enum parsed =
      spdlog::level::from_str(std::string(level));
  // from_str maps unknown names to "off"; only accept that when asked for.
  if (parsed == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(
        "log level must be one of trace, debug, info, warn, error, critical, "
        "off; got \"" +
        std::string(level) + "\"");
  }
  auto logger = std::make_shared<spdlog::logger>(
      "ec", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  // The message part is pre-rendered JSON members (see Log), so the pattern
  // only has to add the timestamp and level.
  logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})",
                      spdlog::pattern_time_type::utc);
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  return absl::OkStatus();
}

void Log(spdlog::level::level_enum level, std::string_view component,
         std::string_view msg, const nlohmann::json& fields) {
  auto* logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  nlohmann::json line = nlohmann::json::object();
  line["component"] = component;
  line["msg"] = msg;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) line[key] = value;
  }
  // Invalid UTF-8 in a logged value must not turn a log call into a crash.
  std::string body =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Strip the braces; the logger's pattern supplies them around ts/level.
  logger->log(level, std::string_view(body).substr(1, body.size() - 2));
}

}  // namespace ec
