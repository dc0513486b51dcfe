#include "discovery/curl_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace ec::discovery {
namespace {

// curl_global_init is not thread-safe and must run before any other curl
// call; workers create transports from several threads.
absl::Status GlobalInitOnce() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    return absl::InternalError(
        absl::StrCat("curl_global_init failed: ", curl_easy_strerror(result)));
  }
  return absl::OkStatus();
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

bool Append(Slist& list, const std::string& line) {
  curl_slist* head = curl_slist_append(list.get(), line.c_str());
  if (head == nullptr) return false;  // `list` is unchanged and still owned.
  static_cast<void>(list.release());
  list.reset(head);
  return true;
}

// State shared with the write and header callbacks for one request.
struct Exchange {
  HttpResponse response;
  size_t max_body_bytes = 0;
  bool body_too_large = false;
  bool out_of_memory = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t bytes = size * count;
  if (bytes > exchange->max_body_bytes - exchange->response.body.size()) {
    exchange->body_too_large = true;
    return 0;  // Any short count makes curl abort with CURLE_WRITE_ERROR.
  }
  // An exception must not unwind through libcurl's C frames.
  try {
    exchange->response.body.append(data, bytes);
  } catch (...) {
    exchange->out_of_memory = true;
    return 0;
  }
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t bytes = size * count;
  const std::string_view line(data, bytes);
  // A status line starts a new response: headers of an interim 1xx response
  // must not leak into the final one.
  if (line.starts_with("HTTP/")) {
    exchange->response.headers.clear();
    return bytes;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return bytes;
  const std::string_view rest = line.substr(colon + 1);
  const absl::string_view value =
      absl::StripAsciiWhitespace(absl::string_view(rest.data(), rest.size()));
  try {
    std::string name(line.substr(0, colon));
    absl::AsciiStrToLower(&name);
    exchange->response.headers.emplace_back(std::move(name),
                                            std::string(value));
  } catch (...) {
    exchange->out_of_memory = true;
    return 0;
  }
  return bytes;
}

absl::Status CurlError(CURLcode code, const char* detail) {
  const std::string message = absl::StrCat(
      "curl error ", static_cast<int>(code), " (", curl_easy_strerror(code),
      ")", detail[0] != '\0' ? absl::StrCat(": ", detail) : "");
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(message);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return absl::InvalidArgumentError(message);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_NOT_BUILT_IN:
    case CURLE_UNKNOWN_OPTION:
      return absl::FailedPreconditionError(message);
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FILESIZE_EXCEEDED:
      return absl::ResourceExhaustedError(message);
    default:
      // Connect, resolve, send, receive, TLS handshake, empty or garbled
      // replies: all things a later attempt may not hit.
      return absl::UnavailableError(message);
  }
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options)
      : options_(std::move(options)) {}

  ~CurlTransport() override {
    if (handle_ != nullptr) curl_easy_cleanup(handle_);
  }

  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  absl::StatusOr<HttpResponse> Post(const HttpRequest& request) override {
    return Perform(request, /*post=*/true);
  }

  absl::StatusOr<HttpResponse> Get(const HttpRequest& request) override {
    return Perform(request, /*post=*/false);
  }

 private:
  absl::StatusOr<HttpResponse> Perform(const HttpRequest& request, bool post) {
    if (absl::Status status = GlobalInitOnce(); !status.ok()) return status;
    if (handle_ == nullptr) {
      handle_ = curl_easy_init();
      if (handle_ == nullptr) {
        return absl::InternalError("curl_easy_init failed");
      }
    } else {
      // Forgets the previous request's options but keeps the connection
      // cache, which is what makes the next request reuse the connection.
      curl_easy_reset(handle_);
    }

    Slist headers;
    for (const auto& [name, value] : request.headers) {
      // A CR or LF would let a value smuggle in further headers.
      if (name.find_first_of("\r\n:") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("header \"", name, "\" has a forbidden character"));
      }
      if (!Append(headers, absl::StrCat(name, ": ", value))) {
        return absl::InternalError("curl_slist_append failed");
      }
    }
    // Without this curl may wait for a "100 Continue" before sending larger
    // bodies, costing a round trip per request.
    if (!Append(headers, "Expect:")) {
      return absl::InternalError("curl_slist_append failed");
    }

    Exchange exchange;
    exchange.max_body_bytes = options_.max_response_bytes;
    char error_buffer[CURL_ERROR_SIZE] = {};

    CURL* h = handle_;
    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(request.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(request.timeout.count()));
    if (post) {
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    } else {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
    // Pages are large, repetitive JSON; let curl offer every decoding it
    // supports. The size cap applies to the decoded body.
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(options_.max_response_bytes));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &exchange);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &exchange);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);

    const CURLcode code = curl_easy_perform(h);
    // The buffer and header list die with this frame; the handle outlives
    // it, so it must not keep pointers to them.
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);

    if (exchange.body_too_large || code == CURLE_FILESIZE_EXCEEDED) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "response body exceeds ", options_.max_response_bytes, " bytes"));
    }
    if (exchange.out_of_memory) {
      return absl::ResourceExhaustedError("out of memory reading the response");
    }
    if (code != CURLE_OK) return CurlError(code, error_buffer);

    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    exchange.response.status = static_cast<int>(status);
    return std::move(exchange.response);
  }

  const CurlTransportOptions options_;
  CURL* handle_ = nullptr;
};

}  // namespace

std::unique_ptr<HttpTransport> NewCurlTransport(CurlTransportOptions options) {
  return std::make_unique<CurlTransport>(std::move(options));
}

}  // namespace ec::discovery
