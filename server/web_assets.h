// The web interface (web/assets/, docs/api.md "GET /"): its files, compiled into the
// binary by web/embed.cmake, and the answer that serves one with the headers every web
// asset carries (a strict Content-Security-Policy, nosniff, no referrer).
// Immutable data; thread-safe.
#pragma once

#include <string_view>

namespace probity::http {
struct Response;
}

namespace probity::server {

struct WebAsset {
  std::string_view path;          // "/index.html", "/js/app.js"
  std::string_view content_type;  // "text/html; charset=utf-8"
  std::string_view body;          // the file's bytes
};

// The asset served at `path` (a request target's path, no query): "/" is
// "/index.html". nullptr when there is none.
const WebAsset* FindWebAsset(std::string_view path);

// A 200 answer with the asset's bytes, its Content-Type and the security headers.
http::Response WebAssetResponse(const WebAsset& asset);

}  // namespace probity::server
