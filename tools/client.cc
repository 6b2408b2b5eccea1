#include "tools/client.h"

#include <kj/async-io.h>
#include <kj/compat/http.h>
#include <kj/compat/tls.h>
#include <kj/debug.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "ledger/json.h"
#include "ledger/sealed.h"
#include "server/http_signature.h"

namespace probity::cli {

struct Client::Impl {
  kj::AsyncIoContext io = kj::setupAsyncIo();
  kj::HttpHeaderTable table;
  std::vector<kj::TlsCertificate> trusted;  // --server-ca; the TlsContext points at them
  kj::Own<kj::TlsContext> tls;              // https only
  std::string scheme, host, authority;      // host without brackets; authority as sent
  uint port = 0;
};

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A KJ exception as the one line the command prints: its description without KJ's
// source location and errno prefixes where they add nothing.
std::string Describe(const kj::Exception& e) {
  std::string text = e.getDescription().cStr();
  if (auto at = text.rfind(": "); at != std::string::npos && text.find("connect(") == 0)
    text = text.substr(at + 2);  // "connect(...): Connection refused" -> "Connection refused"
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  // "Connection refused" reads "connection refused" after the colon; "TLS ..." stays.
  if (text.size() > 1 && std::isupper(static_cast<unsigned char>(text[0])) &&
      std::islower(static_cast<unsigned char>(text[1])))
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

}  // namespace

std::string Client::Escape(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Result<std::unique_ptr<Client>> Client::Create(Options options) {
  // scheme "://" host [":" port] ["/"]; host a name, an IPv4 address or [IPv6].
  const std::string& url = options.url;
  auto bad = [&](const std::string& why) {
    return Status::Invalid("--server " + url + ": " + why +
                           "; give http://HOST[:PORT] or https://HOST[:PORT]");
  };
  size_t sep = url.find("://");
  if (sep == std::string::npos) return bad("no scheme");
  auto impl = std::make_unique<Impl>();
  impl->scheme = Lower(url.substr(0, sep));
  if (impl->scheme != "http" && impl->scheme != "https") return bad("the scheme is not http(s)");
  std::string rest = url.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty()) return bad("no host");
  if (rest.find_first_of("/?#@ \t") != std::string::npos)
    return bad("only a host and port, without a path, query or user");
  std::string host = rest, port;
  if (rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string::npos) return bad("an unclosed '['");
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return bad("junk after ']'");
      port = rest.substr(close + 2);
    }
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  host = Lower(host);
  if (host.empty()) return bad("no host");
  uint default_port = impl->scheme == "https" ? 443 : 80;
  impl->port = default_port;
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(port) == 0 || std::stoul(port) > 65535)
      return bad("a bad port '" + port + "'");
    impl->port = static_cast<uint>(std::stoul(port));
  }
  impl->host = host;
  std::string bracketed = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  impl->authority =
      impl->port == default_port ? bracketed : bracketed + ":" + std::to_string(impl->port);

  if (impl->scheme == "https") {
    std::string ca_pem;
    if (options.ca_file) {
      std::ifstream in(*options.ca_file);
      if (!in) return Status::Invalid("cannot read --server-ca " + *options.ca_file);
      std::stringstream buffer;
      buffer << in.rdbuf();
      ca_pem = buffer.str();
    }
    KJ_IF_MAYBE (e, kj::runCatchingExceptions([&]() {
                   if (!ca_pem.empty()) impl->trusted.emplace_back(kj::StringPtr(ca_pem.c_str()));
                   kj::TlsContext::Options tls;  // the system's trust store, TLS 1.2 at least
                   tls.trustedCertificates =
                       kj::arrayPtr(impl->trusted.data(), impl->trusted.size());
                   impl->tls = kj::heap<kj::TlsContext>(kj::mv(tls));
                 })) {
      return Status::Invalid("--server-ca " + options.ca_file.value_or("") +
                             ": not a PEM certificate (" + Describe(*e) + ")");
    }
  } else if (options.ca_file) {
    return Status::Invalid("--server-ca is for an https:// server");
  }
  std::string origin = impl->scheme + "://" + impl->authority;
  return std::unique_ptr<Client>(
      new Client(std::move(options), std::move(origin), std::move(impl)));
}

Client::Client(Options options, std::string origin, std::unique_ptr<Impl> impl)
    : options_(std::move(options)), origin_(std::move(origin)), impl_(std::move(impl)) {}

Client::~Client() = default;

Result<Client::Response> Client::Get(const std::string& target, bool sign) {
  return Send("GET", target, "", "", sign);
}

Result<Client::Response> Client::Post(const std::string& target, std::string_view body,
                                      const std::string& content_type) {
  return Send("POST", target, body, content_type, true);
}

Result<Client::Response> Client::Send(const std::string& method, const std::string& target,
                                      std::string_view body, const std::string& content_type,
                                      bool sign) {
  return Exchange(method, target, body, content_type, sign,
                  static_cast<int64_t>(std::time(nullptr)));
}

Result<Client::Response> Client::Exchange(const std::string& method, const std::string& target,
                                          std::string_view body, const std::string& content_type,
                                          bool sign, int64_t created) {
  // The signature covers the target URI exactly as sent: this origin, then `target`.
  httpsig::SignedRequestHeaders signed_headers;
  if (sign && options_.key != nullptr) {
    // A fresh nonce: Ed25519 is deterministic, and the server refuses a signature it has
    // seen (two identical reads in one second would otherwise be one signature).
    uint8_t nonce[16];
    SystemRandom()(nonce, sizeof(nonce));
    auto h = httpsig::SignRequest(method, origin_ + target, body, *options_.key, created,
                                  HexEncode(ByteSpan(nonce, sizeof(nonce))));
    if (!h.ok()) return h.status();
    signed_headers = std::move(*h);
  }
  Impl& im = *impl_;
  auto& timer = im.io.provider->getTimer();
  auto& ws = im.io.waitScope;
  const kj::TimePoint deadline = timer.now() + options_.total_timeout.count() * kj::MILLISECONDS;
  const kj::TimePoint connect_deadline =
      std::min(deadline, timer.now() + options_.connect_timeout.count() * kj::MILLISECONDS);
  enum class Stage { kConnect, kTls, kExchange, kBody } stage = Stage::kConnect;
  Response out;
  bool too_large = false;
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&]() {
                 auto& network = im.io.provider->getNetwork();
                 auto address =
                     timer.timeoutAt(connect_deadline, network.parseAddress(im.host, im.port))
                         .wait(ws);
                 kj::Own<kj::AsyncIoStream> stream =
                     timer.timeoutAt(connect_deadline, address->connect()).wait(ws);
                 if (im.tls) {
                   stage = Stage::kTls;
                   stream = timer
                                .timeoutAt(connect_deadline,
                                           im.tls->wrapClient(kj::mv(stream), im.host.c_str()))
                                .wait(ws);
                 }
                 stage = Stage::kExchange;
                 auto http = kj::newHttpClient(im.table, *stream);
                 kj::HttpHeaders headers(im.table);
                 headers.set(kj::HttpHeaderId::HOST, im.authority.c_str());
                 if (!content_type.empty())
                   headers.set(kj::HttpHeaderId::CONTENT_TYPE, content_type.c_str());
                 if (!signed_headers.signature.empty()) {
                   headers.add("Signature-Input", signed_headers.signature_input.c_str());
                   headers.add("Signature", signed_headers.signature.c_str());
                   if (!signed_headers.content_digest.empty())
                     headers.add("Content-Digest", signed_headers.content_digest.c_str());
                 }
                 auto kj_method = method == "POST" ? kj::HttpMethod::POST : kj::HttpMethod::GET;
                 auto request =
                     http->request(kj_method, target.c_str(), headers, uint64_t{body.size()});
                 kj::Promise<void> sent = kj::READY_NOW;
                 if (!body.empty()) {
                   sent = request.body->write(body.data(), body.size());
                 }
                 timer.timeoutAt(deadline, kj::mv(sent)).wait(ws);
                 request.body = nullptr;
                 auto response = timer.timeoutAt(deadline, kj::mv(request.response)).wait(ws);
                 out.status = static_cast<int>(response.statusCode);
                 KJ_IF_MAYBE (type, response.headers->get(kj::HttpHeaderId::CONTENT_TYPE)) {
                   out.content_type = type->cStr();
                 }
                 response.headers->forEach([&](kj::StringPtr name, kj::StringPtr value) {
                   if (strcasecmp(name.cStr(), "Probity-Checkpoint") == 0)
                     out.checkpoint = value.cStr();
                 });
                 stage = Stage::kBody;
                 uint64_t limit = options_.max_response_bytes;
                 KJ_IF_MAYBE (length, response.headers->get(kj::HttpHeaderId::CONTENT_LENGTH)) {
                   char* end = nullptr;
                   unsigned long long n = std::strtoull(length->cStr(), &end, 10);
                   if (n > limit) {
                     too_large = true;
                     return;
                   }
                 }
                 auto text =
                     timer.timeoutAt(deadline, response.body->readAllText(limit + 1)).wait(ws);
                 if (text.size() > limit) {
                   too_large = true;
                   return;
                 }
                 out.body.assign(text.begin(), text.size());
               })) {
    std::string where = options_.url;
    if (e->getType() == kj::Exception::Type::OVERLOADED &&
        std::string(e->getDescription().cStr()).find("timed out") != std::string::npos) {
      std::string connect_s = std::to_string(options_.connect_timeout.count() / 1000) + " s";
      if (stage == Stage::kConnect)
        return Status::Unavailable("cannot reach " + where + ": no connection within " + connect_s);
      if (stage == Stage::kTls) {
        return Status::Unavailable("cannot reach " + where + ": no TLS handshake within " +
                                   connect_s + " (is it an http:// server?)");
      }
      return Status::Unavailable(where + " did not answer within " +
                                 std::to_string(options_.total_timeout.count() / 1000) + " s");
    }
    if (stage == Stage::kConnect || stage == Stage::kTls)
      return Status::Unavailable("cannot reach " + where + ": " + Describe(*e));
    return Status::Unavailable("the exchange with " + where + " failed: " + Describe(*e));
  }
  if (too_large) {
    return Status::Invalid("the answer from " + options_.url + " is larger than " +
                           std::to_string(options_.max_response_bytes) + " bytes");
  }
  return out;
}

std::variant<std::unique_ptr<Remote>, int> Remote::Open(const Args& args, bool signing) {
  std::optional<PrivateKey> key;
  if (signing) {
    if (!args.Option("key")) {
      return cli::Fail(args, kExitUsage,
                       "--key KEY.pem is required with --server: each request is signed with a "
                       "key registered in the ledger, and the key's role decides what it may read");
    }
    auto loaded = LoadSigningKey(args);
    if (!loaded.ok()) return FailStatus(args, loaded.status());
    key = std::move(*loaded);
  }
  std::unique_ptr<Remote> remote(new Remote(args, std::move(key)));
  Client::Options options;
  options.url = args.server;
  options.ca_file = args.server_ca;
  options.key = remote->key_ ? &*remote->key_ : nullptr;
  auto client = Client::Create(std::move(options));
  if (!client.ok()) return cli::Fail(args, kExitUsage, client.status().message());
  remote->client_ = std::move(*client);
  return remote;
}

std::variant<std::string, int> Remote::Read(const Args& args, const std::string& target) {
  auto opened = Open(args, true);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  return std::get<std::unique_ptr<Remote>>(opened)->Get(target);
}

int SensitiveIsRemote(const Args& args) {
  return cli::Fail(args, kExitUsage,
                   "--include-sensitive is for a local store: a server shows sealed values to "
                   "the roles that may read them (hr), whatever the request asks");
}

std::variant<std::string, int> Remote::Get(const std::string& target, bool sign,
                                           std::string* checkpoint) {
  auto response = client_->Get(target, sign);
  if (checkpoint && response.ok()) *checkpoint = response->checkpoint;
  return Done(response);
}

std::variant<std::string, int> Remote::Post(const std::string& target, std::string_view body,
                                            const std::string& content_type) {
  return Done(client_->Post(target, body, content_type));
}

std::variant<std::string, int> Remote::Done(const Result<Client::Response>& response) const {
  if (!response.ok()) return FailStatus(args_, response.status());
  if (response->status < 200 || response->status > 299) return Fail(*response);
  return response->body;
}

int Remote::Fail(const Client::Response& response) const {
  // The server's own words when it sent {"error": TEXT}; else what happened.
  std::string text;
  json::Parser parser;
  auto doc = parser.Parse(response.body);
  if (doc.ok()) {
    std::string_view error;
    if (doc->is_object() && (*doc)["error"].get(error) == simdjson::SUCCESS) text = error;
  }
  if (text.empty()) {
    text = client_->origin() + " answered HTTP " + std::to_string(response.status) +
           " without saying why";
  }
  int code = response.status >= 400 && response.status < 500 ? kExitRefused : kExitStore;
  return cli::Fail(args_, code, text);
}

}  // namespace probity::cli
