#pragma once

// The HTTP messages of the stand-in's server, and the answers several
// endpoints share: DRF-style JSON errors and the faulty answers of
// injected faults.

#include <string>
#include <string_view>

#include "boost/beast/http/message.hpp"
#include "boost/beast/http/string_body.hpp"
#include "tools/discovery_stub/faults.h"

namespace ec::stub {

using ServerRequest =
    boost::beast::http::request<boost::beast::http::string_body>;
using ServerResponse =
    boost::beast::http::response<boost::beast::http::string_body>;

// What to do with one request.
struct ServerReply {
  ServerResponse response;
  int delay_ms = 0;
  bool drop = false;  // close without answering
};

// `body` as application/json with `status`, as DRF sends it.
ServerResponse JsonResponse(int status, std::string body, unsigned version);

// {"detail": `detail`}, DRF's error body.
std::string Detail(std::string_view detail);

// 405 {"detail":"Method \"X\" not allowed."}.
ServerResponse MethodNotAllowed(const ServerRequest& req);

// The answer of a kStatus fault: DRF's detail for the status, the OAuth
// error for a 401 of the token endpoint (`token`), Retry-After when the
// rule sets one.
ServerResponse FaultStatusResponse(const FaultRule& rule, unsigned version,
                                   bool token);

// A kHtml200 fault: a proxy's error page with status 200.
ServerResponse HtmlResponse(unsigned version);

// A kTruncatedJson fault: the real body cut in the middle. A client sees
// valid-looking JSON that ends early, with a Content-Length that matches
// what is sent.
void Truncate(ServerResponse* res);

}  // namespace ec::stub
