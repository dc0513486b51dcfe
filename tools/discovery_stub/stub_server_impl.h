#pragma once

// DiscoveryStub's state, shared by the files that implement it:
//   stub_server.cc       start, stop, the public methods, the dataset,
//                        fault selection;
//   http_session.cc      connections, HTTP/1.1 keep-alive, routing;
//   token_endpoint.cc    POST /oauth2/access_token;
//   search_endpoint.cc   /api/v1/search/all/ and its faults;
//   full_endpoint.cc     /api/v1/courses/ and /api/v1/programs/, paging and
//                        their faults (the documents: full_documents.h);
//   control_endpoint.cc  /_stub/ (stats, faults, mutations, counts).
// Only those files include it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "tools/discovery_stub/faults.h"
#include "tools/discovery_stub/http_responses.h"
#include "tools/discovery_stub/params.h"
#include "tools/discovery_stub/search.h"
#include "tools/discovery_stub/stub_server.h"
#include "tools/discovery_stub/tokens.h"

namespace ec::stub {

struct DiscoveryStub::Impl {
  explicit Impl(const Options& options);

  // Connections (http_session.cc).
  boost::asio::awaitable<void> Listen();
  boost::asio::awaitable<void> Session(boost::asio::ip::tcp::socket socket);
  // Routes one request to its endpoint; an exception becomes a 500.
  ServerReply Handle(const ServerRequest& req);

  // Endpoints.
  ServerReply HandleToken(const ServerRequest& req);
  ServerResponse TokenAnswer(const ServerRequest& req);
  ServerReply HandleSearch(const ServerRequest& req, std::string_view path,
                           std::string_view raw_query);
  // The search/all answer; counts well-formed pages in the stats.
  ServerReply ComputeSearch(const ServerRequest& req, std::string_view path,
                            std::string_view raw_query);
  ServerReply HandleControl(const ServerRequest& req, std::string_view path);
  // GET /api/v1/courses/ (`programs` false) or /api/v1/programs/.
  ServerReply HandleList(const ServerRequest& req, bool programs,
                         std::string_view path, std::string_view raw_query);
  // The answer of HandleList once the request is counted.
  ServerReply ComputeList(const ServerRequest& req, bool programs,
                          std::string_view path, const QueryParams& params);

  // The faults that fire for a request, counted in the stats.
  FaultInjector::Decision SelectFaults(FaultTarget target,
                                       std::optional<int64_t> page,
                                       std::string_view body, bool page_ok);

  // The dataset (stub_server.cc).
  std::shared_ptr<const Searcher> Snapshot() const;
  std::vector<std::string> ChangeDataset(bool mutate, double fraction,
                                         uint64_t seed);
  std::vector<std::string> MutateCourses(const std::vector<std::string>& keys);
  // Documents an unfiltered default crawl serves; "" = all content types.
  size_t CountServed(std::string_view content_type) const;

  Options options;
  std::unique_ptr<boost::asio::io_context> io;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  int port = 0;
  std::mutex stop_mu;
  bool stopped ABSL_GUARDED_BY(stop_mu) = false;

  mutable std::shared_mutex data_mu;
  std::shared_ptr<const Searcher> searcher ABSL_GUARDED_BY(data_mu);
  // Serializes the dataset changes (each derives from the last).
  std::mutex change_mu;

  FaultInjector fault_injector;
  TokenIssuer token_issuer;

  mutable std::mutex stats_mu;
  StubStats stats ABSL_GUARDED_BY(stats_mu);
};

}  // namespace ec::stub
