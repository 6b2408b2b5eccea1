#include "server/serve.h"

// g++ 12 at -O2 warns "may be used uninitialized" inside KJ's Promise<T> machinery, a
// false positive on KJ 0.9.2's ExceptionOr<T> (as in server/http_frontend.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "server/service.h"

namespace probity::server {

Status Serve(Ledger& ledger, ServeOptions options) {
  Service::Options service_options;
  service_options.now = options.now;
  service_options.public_origin = options.public_origin;
  if (options.log) {
    auto log = options.log;
    service_options.on_error = [log](std::string_view what) { log->error("{}", what); };
  }
  Service service(ledger, service_options);
  using Outcome = std::pair<Result<std::vector<Receipt>>, SubmitError>;
  http::GroupWorker<std::shared_ptr<const Submission>, Outcome> writer(
      [&ledger](std::vector<std::shared_ptr<const Submission>> items) {
        std::vector<const std::vector<Envelope>*> group;
        for (const auto& s : items) group.push_back(&s->envelopes);
        std::vector<SubmitError> errors;
        auto results = ledger.SubmitGroup(group, &errors);
        std::vector<Outcome> out;
        for (size_t i = 0; i < results.size(); ++i)
          out.emplace_back(std::move(results[i]), errors[i]);
        return out;
      });
  http::Server* running = nullptr;
  auto handler = [&](http::Request request) -> kj::Promise<http::Response> {
    if (Service::IsSubmission(request)) {
      // Checking the request's signature and decoding up to 8 MiB of envelopes is work
      // for a worker thread; the loop only hands the result to the group commit.
      auto parsed = std::make_shared<std::optional<Submission>>();
      return running
          ->RunOffLoop([&service, request, parsed]() {
            http::Response refused;
            auto s = service.ParseSubmission(request, &refused);
            if (s.ok()) *parsed = std::move(*s);
            return refused;
          })
          .then([&service, &writer, parsed](http::Response refused) -> kj::Promise<http::Response> {
            if (!parsed->has_value()) return refused;
            auto submission = std::make_shared<const Submission>(std::move(**parsed));
            return writer.Submit(submission).then([&service, submission](Outcome outcome) {
              return service.Receipts(*submission, outcome.first, outcome.second);
            });
          });
    }
    return running->RunOffLoop([&service, request]() { return service.Read(request); });
  };
  if (options.log) {
    auto log = options.log;
    options.http.on_response = [log](const http::Request& q, const http::Response& r,
                                     std::chrono::microseconds took) {
      // The path only: a query may carry a searched name.
      log->info("{} {} {} {} {}us", q.peer, q.method, q.target.substr(0, q.target.find('?')),
                r.status, took.count());
    };
    options.http.on_error = [log](std::string_view what) { log->error("{}", what); };
  }
  auto server = http::Server::Start(options.http, handler);
  if (!server.ok()) return server.status();
  running = server->get();
  if (options.on_listening) options.on_listening(**server);
  Status st = (*server)->Run(options.handle_signals);
  writer.Stop();
  return st;
}

}  // namespace probity::server
