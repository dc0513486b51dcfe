#pragma once

#include <string>

namespace ec::testing {

struct HttpResult {
  long status = 0;  // 0: no answer
  std::string body;
};

// A plain HTTP GET of http://127.0.0.1:<port><path>, as a scraper or the
// kubelet makes it (5 s timeout).
HttpResult HttpGet(int port, const std::string& path);

// The value of one sample in a Prometheus text exposition, or -1 if absent.
// `series` is the name with its labels exactly as the serializer orders
// them.
double MetricSample(const std::string& text, const std::string& series);

}  // namespace ec::testing
