#include "common/log.h"

#include <memory>
#include <string>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <mutex>

#include "spdlog/sinks/base_sink.h"

namespace ec::common {
namespace {

// stderr, written in chunks. spdlog's stderr sink flushes after every
// line, which costs a write(2) per RPC once every call is logged; on these
// VMs that system call is the largest part of a log line's cost. Lines are
// collected up to kChunkBytes and written then, on every warn or worse
// line (flush_on), once a second (flush_every), and at exit.
class ChunkedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  ~ChunkedStderrSink() override {
    std::lock_guard<std::mutex> lock(mutex_);
    WriteOut();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    buffer_.append(formatted.data(), formatted.size());
    if (buffer_.size() >= kChunkBytes) WriteOut();
  }
  void flush_() override { WriteOut(); }

 private:
  static constexpr size_t kChunkBytes = 16 * 1024;

  void WriteOut() {
    size_t done = 0;
    while (done < buffer_.size()) {
      const ssize_t n =
          write(STDERR_FILENO, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // nowhere to report it; drop the rest
      done += static_cast<size_t>(n);
    }
    buffer_.clear();
  }

  std::string buffer_;
};

}  // namespace

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
      "ec", std::make_shared<ChunkedStderrSink>());
  // The message part is pre-rendered JSON members (see Log), so the pattern
  // only has to add the timestamp and level.
  logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})",
                      spdlog::pattern_time_type::utc);
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  static std::once_flag flusher;
  std::call_once(flusher, [] { spdlog::flush_every(std::chrono::seconds(1)); });
  return absl::OkStatus();
}

void FlushLogs() { spdlog::default_logger_raw()->flush(); }

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

}  // namespace ec::common
