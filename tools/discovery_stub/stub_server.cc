#include "tools/discovery_stub/stub_server.h"

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <utility>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/system/error_code.hpp"
#include "tools/discovery_stub/params.h"
#include "tools/discovery_stub/search.h"
#include "tools/discovery_stub/stub_server_impl.h"
#include "tools/discovery_stub/text.h"

namespace ec::stub {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

DiscoveryStub::Impl::Impl(const Options& stub_options)
    : options(stub_options),
      // The fault draws depend on the dataset seed only, so a test that
      // replays the same requests sees the same faults.
      fault_injector(stub_options.dataset.seed ^ 0xfa17fa17fa17fa17ULL),
      token_issuer(stub_options.client_id,
                   stub_options.token_lifetime_seconds) {
  options.threads = std::max(1, stub_options.threads);
}

std::shared_ptr<const Searcher> DiscoveryStub::Impl::Snapshot() const {
  std::shared_lock lock(data_mu);
  return searcher;
}

FaultInjector::Decision DiscoveryStub::Impl::SelectFaults(
    FaultTarget target, std::optional<int64_t> page, std::string_view body,
    bool page_ok) {
  FaultInjector::Decision decision =
      fault_injector.Select(target, page, body, page_ok);
  if (decision.fired > 0) {
    std::lock_guard lock(stats_mu);
    stats.faults_fired += decision.fired;
  }
  return decision;
}

std::vector<std::string> DiscoveryStub::Impl::ChangeDataset(bool mutate,
                                                            double fraction,
                                                            uint64_t seed) {
  std::lock_guard change(change_mu);
  const std::shared_ptr<const Searcher> current = Snapshot();
  std::vector<std::string> keys;
  std::shared_ptr<const Dataset> next =
      mutate ? current->dataset().WithMutated(fraction, seed, &keys)
             : current->dataset().WithRemoved(fraction, seed, &keys);
  auto fresh = std::make_shared<const Searcher>(std::move(next));
  std::lock_guard lock(data_mu);
  searcher = std::move(fresh);
  return keys;
}

std::vector<std::string> DiscoveryStub::Impl::MutateCourses(
    const std::vector<std::string>& keys) {
  std::lock_guard change(change_mu);
  const std::shared_ptr<const Searcher> current = Snapshot();
  std::vector<std::string> existing;
  auto fresh = std::make_shared<const Searcher>(
      current->dataset().WithMutatedCourses(keys, &existing));
  std::lock_guard lock(data_mu);
  searcher = std::move(fresh);
  return existing;
}

size_t DiscoveryStub::Impl::CountServed(std::string_view content_type) const {
  const std::shared_ptr<const Searcher> snapshot = Snapshot();
  size_t n = 0;
  for (const auto& doc : snapshot->dataset().docs()) {
    if (doc->type == ContentType::kCourseRun && !doc->restriction_type.empty())
      continue;
    if (!content_type.empty() && ContentTypeName(doc->type) != content_type)
      continue;
    ++n;
  }
  return n;
}

absl::StatusOr<std::unique_ptr<DiscoveryStub>> DiscoveryStub::Start(
    const Options& options) {
  auto impl = std::make_unique<Impl>(options);
  {
    std::lock_guard lock(impl->data_mu);
    impl->searcher =
        std::make_shared<const Searcher>(Dataset::Generate(options.dataset));
  }
  impl->io = std::make_unique<asio::io_context>(impl->options.threads);
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options.host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        Cat("bad --host ", options.host, ": ", ec.message()));
  }
  impl->acceptor = std::make_unique<tcp::acceptor>(*impl->io);
  const tcp::endpoint endpoint(address, static_cast<uint16_t>(options.port));
  impl->acceptor->open(endpoint.protocol(), ec);
  if (!ec)
    impl->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor->bind(endpoint, ec);
  if (!ec)
    impl->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(Cat("cannot listen on ", options.host, ":",
                                      options.port, ": ", ec.message()));
  }
  impl->port = impl->acceptor->local_endpoint().port();
  Impl* raw = impl.get();
  asio::co_spawn(impl->io->get_executor(), raw->Listen(), asio::detached);
  for (int i = 0; i < impl->options.threads; ++i) {
    impl->threads.emplace_back([raw] { raw->io->run(); });
  }
  return std::unique_ptr<DiscoveryStub>(new DiscoveryStub(std::move(impl)));
}

DiscoveryStub::DiscoveryStub(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

DiscoveryStub::~DiscoveryStub() { Stop(); }

void DiscoveryStub::Stop() {
  {
    std::lock_guard lock(impl_->stop_mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  impl_->io->stop();
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
  // The acceptor goes before the io_context it uses; destroying the
  // io_context then destroys every suspended session, closing its socket.
  impl_->acceptor.reset();
  impl_->io.reset();
}

int DiscoveryStub::port() const { return impl_->port; }

std::string DiscoveryStub::base_url() const {
  return Cat("http://", impl_->options.host, ":", impl_->port);
}

std::string DiscoveryStub::discovery_url() const {
  return Cat(base_url(), "/api/v1/");
}

void DiscoveryStub::AddFault(const FaultRule& rule) {
  impl_->fault_injector.Add(rule);
}

void DiscoveryStub::ClearFaults() { impl_->fault_injector.Clear(); }

StubStats DiscoveryStub::stats() const {
  std::lock_guard lock(impl_->stats_mu);
  return impl_->stats;
}

void DiscoveryStub::ResetStats() {
  std::lock_guard lock(impl_->stats_mu);
  impl_->stats = StubStats();
}

std::vector<std::string> DiscoveryStub::MutateFraction(double fraction,
                                                       uint64_t seed) {
  return impl_->ChangeDataset(/*mutate=*/true, fraction, seed);
}

std::vector<std::string> DiscoveryStub::RemoveFraction(double fraction,
                                                       uint64_t seed) {
  return impl_->ChangeDataset(/*mutate=*/false, fraction, seed);
}

std::vector<std::string> DiscoveryStub::MutateCourses(
    const std::vector<std::string>& keys) {
  return impl_->MutateCourses(keys);
}

size_t DiscoveryStub::document_count() const { return impl_->CountServed(""); }

size_t DiscoveryStub::document_count(std::string_view content_type) const {
  if (content_type.empty()) return 0;
  return impl_->CountServed(content_type);
}

absl::StatusOr<std::vector<std::string>> DiscoveryStub::MatchingKeys(
    std::string_view raw_query, std::string_view body) const {
  const std::shared_ptr<const Searcher> snapshot = impl_->Snapshot();
  QueryParams params = ParseQueryString(raw_query);
  if (absl::Status s = MergeJsonBody(body, &params); !s.ok()) return s;
  const std::shared_ptr<const Searcher::Matches> matches =
      snapshot->Match(params);
  std::vector<std::string> keys;
  keys.reserve(matches->size());
  for (const uint32_t i : *matches)
    keys.push_back(snapshot->dataset().docs()[i]->key);
  return keys;
}

std::shared_ptr<const Dataset> DiscoveryStub::dataset() const {
  return impl_->Snapshot()->dataset_ptr();
}

}  // namespace ec::stub
