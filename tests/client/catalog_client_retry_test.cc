// CatalogClient's call path (deadline, token, retries) against the generated
// mock stub, with the sleep and jitter hooks faked so that nothing waits and
// backoffs are exact.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/test/client_context_test_peer.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/catalog_client.h"
#include "enterprise_catalog/v1/catalog_service_mock.grpc.pb.h"

namespace ec::client {
namespace {

namespace v1 = ::enterprise_catalog::v1;
using ::std::chrono::milliseconds;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::StrictMock;
using Mock = StrictMock<v1::MockEnterpriseCatalogServiceStub>;

const grpc::Status kUnavailable(grpc::StatusCode::UNAVAILABLE, "server gone");

// The token sent with an attempt, or "" if none.
std::string SentToken(grpc::ClientContext* context) {
  const std::multimap<std::string, std::string> metadata =
      grpc::testing::ClientContextTestPeer(context).GetSendInitialMetadata();
  auto it = metadata.find("authorization");
  return it == metadata.end() ? "" : it->second;
}

class RetryTest : public ::testing::Test {
 protected:
  RetryTest() : stub_(std::make_shared<Mock>()) {
    options_.timeout = std::chrono::seconds(10);
    options_.retry.initial_backoff = milliseconds(200);
    options_.retry.max_backoff = milliseconds(5000);
    options_.retry.sleep = [this](milliseconds d) { sleeps_.push_back(d); };
    // The top of the range, so that the backoff caps are what we see.
    options_.retry.jitter = [](milliseconds cap) { return cap; };
  }

  CatalogClient Client() const { return CatalogClient(stub_, options_); }

  std::shared_ptr<Mock> stub_;
  ClientOptions options_;
  std::vector<milliseconds> sleeps_;
};

TEST_F(RetryTest, ReadIsRetriedOnUnavailableWithGrowingBackoff) {
  v1::Catalog found;
  found.set_title("Python");
  EXPECT_CALL(*stub_, GetCatalog(_, _, _))
      .WillOnce(Return(kUnavailable))
      .WillOnce(Return(kUnavailable))
      .WillOnce(Return(kUnavailable))
      .WillOnce(Invoke([&](grpc::ClientContext*, const v1::GetCatalogRequest&,
                           v1::Catalog* out) {
        *out = found;
        return grpc::Status::OK;
      }));
  v1::GetCatalogRequest request;
  request.set_uuid("u");
  absl::StatusOr<v1::Catalog> catalog = Client().GetCatalog(request);
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->title(), "Python");
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(200), milliseconds(400),
                                   milliseconds(800)));
}

TEST_F(RetryTest, StopsAtMaxAttemptsWithTheLastStatus) {
  options_.retry.max_attempts = 3;
  EXPECT_CALL(*stub_, ListCatalogs(_, _, _))
      .Times(3)
      .WillRepeatedly(Return(kUnavailable));
  absl::StatusOr<v1::ListCatalogsResponse> list =
      Client().ListCatalogs(v1::ListCatalogsRequest());
  EXPECT_EQ(list.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(list.status().message(), "server gone");
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(200), milliseconds(400)));
}

TEST_F(RetryTest, OneAttemptMeansNoRetry) {
  options_.retry.max_attempts = 1;
  EXPECT_CALL(*stub_, GetRefreshJob(_, _, _)).WillOnce(Return(kUnavailable));
  EXPECT_EQ(Client().GetRefreshJob(v1::GetRefreshJobRequest()).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(RetryTest, BackoffIsCappedAndJitterIsClamped) {
  options_.retry.max_attempts = 6;
  options_.retry.initial_backoff = milliseconds(100);
  options_.retry.max_backoff = milliseconds(250);
  std::vector<milliseconds> caps;
  // A broken jitter hook cannot make the client sleep past the cap.
  options_.retry.jitter = [&caps](milliseconds cap) {
    caps.push_back(cap);
    return cap * 10;
  };
  EXPECT_CALL(*stub_, GetContentMetadata(_, _, _))
      .Times(6)
      .WillRepeatedly(Return(kUnavailable));
  Client().GetContentMetadata(v1::GetContentMetadataRequest()).IgnoreError();
  const std::vector<milliseconds> expected = {
      milliseconds(100), milliseconds(200), milliseconds(250),
      milliseconds(250), milliseconds(250)};
  EXPECT_EQ(caps, expected);
  EXPECT_EQ(sleeps_, expected);
}

TEST_F(RetryTest, DefaultJitterStaysWithinTheCap) {
  options_.retry.jitter = nullptr;
  options_.retry.max_attempts = 8;
  options_.retry.initial_backoff = milliseconds(10);
  options_.retry.max_backoff = milliseconds(40);
  EXPECT_CALL(*stub_, GetCatalogMetadata(_, _, _))
      .Times(8)
      .WillRepeatedly(Return(kUnavailable));
  Client().GetCatalogMetadata(v1::GetCatalogMetadataRequest()).IgnoreError();
  ASSERT_EQ(sleeps_.size(), 7u);
  const milliseconds caps[] = {milliseconds(10), milliseconds(20),
                               milliseconds(40)};
  int below_cap = 0;
  for (size_t i = 0; i < sleeps_.size(); ++i) {
    const milliseconds cap = caps[std::min<size_t>(i, 2)];
    EXPECT_GE(sleeps_[i].count(), 0);
    EXPECT_LE(sleeps_[i], cap) << i;
    if (sleeps_[i] < cap) ++below_cap;
  }
  // Jittered, not the caps themselves (all seven at the cap: p < 1e-9).
  EXPECT_GT(below_cap, 0);
}

// Which RPCs are retried, through the JSON path that catalogctl uses.
struct MethodCase {
  std::string name;
  bool idempotent;
  std::function<void(Mock&, int times)> expect;
};

std::vector<MethodCase> AllMethods() {
  auto fail = [](auto& call, int times) {
    call.Times(times).WillRepeatedly(Return(kUnavailable));
  };
  return {
      {"CreateCatalog", false,
       [=](Mock& m, int n) {
         fail(EXPECT_CALL(m, CreateCatalog(_, _, _)), n);
       }},
      {"GetCatalog", true,
       [=](Mock& m, int n) { fail(EXPECT_CALL(m, GetCatalog(_, _, _)), n); }},
      {"ListCatalogs", true,
       [=](Mock& m, int n) { fail(EXPECT_CALL(m, ListCatalogs(_, _, _)), n); }},
      {"UpdateCatalog", false,
       [=](Mock& m, int n) {
         fail(EXPECT_CALL(m, UpdateCatalog(_, _, _)), n);
       }},
      {"DeleteCatalog", false,
       [=](Mock& m, int n) {
         fail(EXPECT_CALL(m, DeleteCatalog(_, _, _)), n);
       }},
      {"ContainsContentItems", true,
       [=](Mock& m, int n) {
         fail(EXPECT_CALL(m, ContainsContentItems(_, _, _)), n);
       }},
      {"CustomerContainsContentItems", true,
       [=](Mock& m, int n) {
         fail(EXPECT_CALL(m, CustomerContainsContentItems(_, _, _)), n);
       }},
      {"GetCatalogMetadata", true,
       [=](Mock& m, int n) {
         fail(EXPECT_CALL(m, GetCatalogMetadata(_, _, _)), n);
       }},
      {"GetContentMetadata", true,
       [=](Mock& m, int n) {
         fail(EXPECT_CALL(m, GetContentMetadata(_, _, _)), n);
       }},
      {"RefreshCatalog", true,
       [=](Mock& m, int n) {
         fail(EXPECT_CALL(m, RefreshCatalog(_, _, _)), n);
       }},
      {"GetRefreshJob", true,
       [=](Mock& m, int n) {
         fail(EXPECT_CALL(m, GetRefreshJob(_, _, _)), n);
       }},
      {"NotifyContentChanged", true,
       [=](Mock& m, int n) {
         fail(EXPECT_CALL(m, NotifyContentChanged(_, _, _)), n);
       }},
      {"GetCatalogQuery", true,
       [=](Mock& m, int n) {
         fail(EXPECT_CALL(m, GetCatalogQuery(_, _, _)), n);
       }},
      {"HashContentFilter", true,
       [=](Mock& m, int n) {
         fail(EXPECT_CALL(m, HashContentFilter(_, _, _)), n);
       }},
      {"UpsertEnterpriseCustomer", true,
       [=](Mock& m, int n) {
         fail(EXPECT_CALL(m, UpsertEnterpriseCustomer(_, _, _)), n);
       }},
      {"GetEnterpriseCustomer", true,
       [=](Mock& m, int n) {
         fail(EXPECT_CALL(m, GetEnterpriseCustomer(_, _, _)), n);
       }},
      {"GetCustomerContentMetadata", true,
       [=](Mock& m, int n) {
         fail(EXPECT_CALL(m, GetCustomerContentMetadata(_, _, _)), n);
       }},
      {"DiffCatalogContent", true,
       [=](Mock& m, int n) {
         fail(EXPECT_CALL(m, DiffCatalogContent(_, _, _)), n);
       }},
  };
}

TEST_F(RetryTest, OnlyIdempotentRpcsAreRetried) {
  const std::vector<MethodCase> methods = AllMethods();
  ASSERT_EQ(methods.size(), MethodNames().size());
  for (const MethodCase& method : methods) {
    SCOPED_TRACE(method.name);
    EXPECT_EQ(IsIdempotent(method.name), method.idempotent);
    auto stub = std::make_shared<Mock>();
    method.expect(*stub, method.idempotent ? 4 : 1);
    sleeps_.clear();
    grpc::Status rpc_status;
    absl::StatusOr<std::string> out =
        CatalogClient(stub, options_)
            .CallJson(method.name, "{}", {}, &rpc_status);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(rpc_status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(sleeps_.size(), method.idempotent ? 3u : 0u);
  }
  EXPECT_FALSE(IsIdempotent("NoSuchMethod"));
}

TEST_F(RetryTest, TypedCustomerAndDiffCallsAreRetried) {
  // An upsert replaces the customer, so a repeat after a lost reply is safe.
  EXPECT_CALL(*stub_, UpsertEnterpriseCustomer(_, _, _))
      .WillOnce(Return(kUnavailable))
      .WillOnce(Invoke([](grpc::ClientContext*,
                          const v1::UpsertEnterpriseCustomerRequest& request,
                          v1::EnterpriseCustomer* out) {
        *out = request.customer();
        return grpc::Status::OK;
      }));
  EXPECT_CALL(*stub_, GetEnterpriseCustomer(_, _, _))
      .WillOnce(Return(kUnavailable))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::NOT_FOUND, "none")));
  EXPECT_CALL(*stub_, GetCustomerContentMetadata(_, _, _))
      .WillOnce(Return(kUnavailable))
      .WillOnce(Invoke([](grpc::ClientContext*,
                          const v1::GetCustomerContentMetadataRequest& request,
                          v1::GetCustomerContentMetadataResponse* out) {
        out->mutable_item()->set_content_key(request.content_identifier());
        out->set_catalog_uuid("c");
        return grpc::Status::OK;
      }));
  EXPECT_CALL(*stub_, DiffCatalogContent(_, _, _))
      .WillOnce(Return(kUnavailable))
      .WillOnce(Invoke([](grpc::ClientContext*,
                          const v1::DiffCatalogContentRequest& request,
                          v1::DiffCatalogContentResponse* out) {
        for (const std::string& key : request.content_keys()) {
          out->add_items_not_found()->set_content_key(key);
        }
        return grpc::Status::OK;
      }));
  const CatalogClient client = Client();

  v1::UpsertEnterpriseCustomerRequest upsert;
  upsert.mutable_customer()->set_uuid("e");
  upsert.mutable_customer()->set_slug("acme");
  upsert.mutable_customer()->set_enable_learner_portal(true);
  absl::StatusOr<v1::EnterpriseCustomer> customer =
      client.UpsertEnterpriseCustomer(upsert);
  ASSERT_TRUE(customer.ok()) << customer.status();
  EXPECT_EQ(customer->slug(), "acme");
  EXPECT_TRUE(customer->enable_learner_portal());

  EXPECT_EQ(client.GetEnterpriseCustomer(v1::GetEnterpriseCustomerRequest())
                .status()
                .code(),
            absl::StatusCode::kNotFound);

  v1::GetCustomerContentMetadataRequest item_request;
  item_request.set_content_identifier("edX+DemoX");
  absl::StatusOr<v1::GetCustomerContentMetadataResponse> item =
      client.GetCustomerContentMetadata(item_request);
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(item->item().content_key(), "edX+DemoX");
  EXPECT_EQ(item->catalog_uuid(), "c");

  v1::DiffCatalogContentRequest diff_request;
  diff_request.add_content_keys("a");
  diff_request.add_content_keys("b");
  absl::StatusOr<v1::DiffCatalogContentResponse> diff =
      client.DiffCatalogContent(diff_request);
  ASSERT_TRUE(diff.ok()) << diff.status();
  ASSERT_EQ(diff->items_not_found_size(), 2);
  EXPECT_EQ(diff->items_not_found(1).content_key(), "b");

  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(200), milliseconds(200),
                                   milliseconds(200), milliseconds(200)));
}

TEST_F(RetryTest, MutationsAreNotRetriedWhateverTheCode) {
  EXPECT_CALL(*stub_, CreateCatalog(_, _, _)).WillOnce(Return(kUnavailable));
  EXPECT_CALL(*stub_, UpdateCatalog(_, _, _))
      .WillOnce(Return(
          grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "too slow")));
  EXPECT_CALL(*stub_, DeleteCatalog(_, _, _)).WillOnce(Return(kUnavailable));
  const CatalogClient client = Client();
  EXPECT_EQ(client.CreateCatalog(v1::CreateCatalogRequest()).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(client.UpdateCatalog(v1::UpdateCatalogRequest()).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(client.DeleteCatalog(v1::DeleteCatalogRequest()).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(RetryTest, OtherCodesAreNotRetried) {
  for (grpc::StatusCode code :
       {grpc::StatusCode::DEADLINE_EXCEEDED, grpc::StatusCode::NOT_FOUND,
        grpc::StatusCode::INTERNAL, grpc::StatusCode::UNAUTHENTICATED,
        grpc::StatusCode::RESOURCE_EXHAUSTED, grpc::StatusCode::ABORTED}) {
    SCOPED_TRACE(code);
    auto stub = std::make_shared<Mock>();
    EXPECT_CALL(*stub, GetCatalog(_, _, _))
        .WillOnce(Return(grpc::Status(code, "no")));
    EXPECT_EQ(static_cast<int>(CatalogClient(stub, options_)
                                   .GetCatalog(v1::GetCatalogRequest())
                                   .status()
                                   .code()),
              static_cast<int>(code));
  }
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(RetryTest, AllAttemptsShareTheCallsDeadline) {
  // 1 s for the whole call: backoffs of 300 and 600 ms fit (the fake sleep
  // takes no time), the third (1200 ms) would end past the deadline, so the
  // call stops there with the server's status, although attempts remain.
  options_.timeout = milliseconds(1000);
  options_.retry.initial_backoff = milliseconds(300);
  options_.retry.max_backoff = milliseconds(60000);
  options_.retry.max_attempts = 10;
  std::vector<std::chrono::system_clock::time_point> deadlines;
  const auto before = std::chrono::system_clock::now();
  EXPECT_CALL(*stub_, GetCatalog(_, _, _))
      .Times(3)
      .WillRepeatedly(Invoke([&](grpc::ClientContext* context, auto&&, auto*) {
        deadlines.push_back(context->deadline());
        return kUnavailable;
      }));
  absl::StatusOr<v1::Catalog> catalog =
      Client().GetCatalog(v1::GetCatalogRequest());
  const auto after = std::chrono::system_clock::now();
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(300), milliseconds(600)));
  ASSERT_EQ(deadlines.size(), 3u);
  EXPECT_EQ(deadlines[0], deadlines[1]);
  EXPECT_EQ(deadlines[1], deadlines[2]);
  EXPECT_GE(deadlines[0], before + milliseconds(1000));
  EXPECT_LE(deadlines[0], after + milliseconds(1000));
}

TEST_F(RetryTest, PerCallTimeoutOverridesTheDefault) {
  options_.timeout = milliseconds(1000);
  options_.retry.initial_backoff = milliseconds(300);
  options_.retry.max_attempts = 4;
  std::chrono::system_clock::time_point deadline;
  EXPECT_CALL(*stub_, GetCatalog(_, _, _))
      .Times(4)
      .WillRepeatedly(Invoke([&](grpc::ClientContext* context, auto&&, auto*) {
        deadline = context->deadline();
        return kUnavailable;
      }));
  CallOptions call;
  call.timeout = std::chrono::seconds(60);
  const auto before = std::chrono::system_clock::now();
  EXPECT_EQ(Client().GetCatalog(v1::GetCatalogRequest(), call).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(300), milliseconds(600),
                                   milliseconds(1200)));
  EXPECT_GE(deadline, before + std::chrono::seconds(60));
}

TEST_F(RetryTest, TokenProviderIsAskedBeforeEveryAttempt) {
  int asked = 0;
  options_.token = "static-token-is-ignored";
  options_.token_provider = [&asked]() -> absl::StatusOr<std::string> {
    return "token-" + std::to_string(++asked);
  };
  std::vector<std::string> sent;
  EXPECT_CALL(*stub_, RefreshCatalog(_, _, _))
      .Times(3)
      .WillRepeatedly(Invoke([&](grpc::ClientContext* context, auto&&, auto*) {
        sent.push_back(SentToken(context));
        return sent.size() < 3 ? kUnavailable : grpc::Status::OK;
      }));
  EXPECT_TRUE(Client().RefreshCatalog(v1::RefreshCatalogRequest()).ok());
  EXPECT_EQ(asked, 3);
  EXPECT_THAT(sent, ElementsAre("JWT token-1", "JWT token-2", "JWT token-3"));
}

TEST_F(RetryTest, TokenProviderErrorStopsTheCallBeforeAnyRpc) {
  options_.token_provider = []() -> absl::StatusOr<std::string> {
    return absl::UnauthenticatedError("refresh token expired");
  };
  // StrictMock: any RPC fails the test.
  grpc::Status rpc_status;
  absl::StatusOr<std::string> out =
      Client().CallJson("GetCatalog", "{}", {}, &rpc_status);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(out.status().message(), HasSubstr("refresh token expired"));
  EXPECT_TRUE(rpc_status.ok()) << "no RPC was made";

  // Any other code is passed through as the provider returned it.
  options_.token_provider = []() -> absl::StatusOr<std::string> {
    return absl::UnavailableError("identity provider down");
  };
  EXPECT_EQ(Client().GetCatalog(v1::GetCatalogRequest()).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_TRUE(sleeps_.empty()) << "a provider error is not retried";
}

TEST_F(RetryTest, TokenProviderErrorOnARetryEndsTheCall) {
  int asked = 0;
  options_.token_provider = [&asked]() -> absl::StatusOr<std::string> {
    if (++asked == 1) return std::string("first");
    return absl::PermissionDeniedError("account disabled");
  };
  EXPECT_CALL(*stub_, GetCatalog(_, _, _)).WillOnce(Return(kUnavailable));
  absl::StatusOr<v1::Catalog> catalog =
      Client().GetCatalog(v1::GetCatalogRequest());
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(asked, 2);
}

TEST_F(RetryTest, UnsendableTokensAreRejectedBeforeAnyRpc) {
  options_.token_provider = []() -> absl::StatusOr<std::string> {
    return std::string("JWT with spaces");
  };
  EXPECT_EQ(Client().GetCatalog(v1::GetCatalogRequest()).status().code(),
            absl::StatusCode::kUnauthenticated);
  options_.token_provider = nullptr;
  options_.token = "bad\ntoken";
  EXPECT_EQ(Client().GetCatalog(v1::GetCatalogRequest()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RetryTest, StaticTokenIsSentOnEveryAttempt) {
  options_.token = "abc.def.ghi";
  std::vector<std::string> sent;
  EXPECT_CALL(*stub_, GetCatalog(_, _, _))
      .Times(2)
      .WillRepeatedly(Invoke([&](grpc::ClientContext* context, auto&&, auto*) {
        sent.push_back(SentToken(context));
        return sent.size() < 2 ? kUnavailable : grpc::Status::OK;
      }));
  EXPECT_TRUE(Client().GetCatalog(v1::GetCatalogRequest()).ok());
  EXPECT_THAT(sent, ElementsAre("JWT abc.def.ghi", "JWT abc.def.ghi"));
}

TEST_F(RetryTest, InvokeJsonTakesTheSamePath) {
  EXPECT_CALL(*stub_, ContainsContentItems(_, _, _))
      .WillOnce(Return(kUnavailable))
      .WillOnce(Invoke([](grpc::ClientContext*,
                          const v1::ContainsContentItemsRequest& request,
                          v1::ContainsContentItemsResponse* out) {
        out->set_contains_any(request.content_keys_size() == 1);
        return grpc::Status::OK;
      }));
  grpc::Status rpc_status;
  absl::StatusOr<std::string> out = InvokeJson(
      *stub_, "ContainsContentItems",
      R"({"catalog_uuid": "c", "content_keys": ["k"]})", options_, &rpc_status);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(*out, HasSubstr(R"("contains_any": true)"));
  EXPECT_TRUE(rpc_status.ok());
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(200)));
}

}  // namespace
}  // namespace ec::client
