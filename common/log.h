#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"

namespace ec::common {

// Makes spdlog's default logger write one JSON object per line to stderr:
// {"ts":"...Z","level":"info","component":"...","msg":"...",<fields>}.
// `level` is one of trace, debug, info, warn, error, critical, off.
absl::Status InitJsonLogging(std::string_view level);

// Lines below warn are written to stderr in chunks, at least once a second
// (see log.cc); this writes out what is pending now. Call it after a line
// that someone may be waiting to read, such as the start-up lines.
void FlushLogs();

// Writes one structured log line. `fields` must be a JSON object (or null);
// its members are added beside component and msg.
void Log(spdlog::level::level_enum level, std::string_view component,
         std::string_view msg, const nlohmann::json& fields = nullptr);

inline void LogInfo(std::string_view component, std::string_view msg,
                    const nlohmann::json& fields = nullptr) {
  Log(spdlog::level::info, component, msg, fields);
}
inline void LogWarn(std::string_view component, std::string_view msg,
                    const nlohmann::json& fields = nullptr) {
  Log(spdlog::level::warn, component, msg, fields);
}
inline void LogError(std::string_view component, std::string_view msg,
                     const nlohmann::json& fields = nullptr) {
  Log(spdlog::level::err, component, msg, fields);
}

}  // namespace ec::common
