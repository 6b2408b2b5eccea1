#include "server/web_assets.h"

#include <cstddef>

#include "server/http_frontend.h"

namespace probity::server {

// Defined in the file web/embed.cmake generates from web/assets/.
namespace web_generated {
extern const WebAsset kAssets[];
extern const size_t kAssetCount;
}  // namespace web_generated

const WebAsset* FindWebAsset(std::string_view path) {
  if (path == "/") path = "/index.html";
  for (size_t i = 0; i < web_generated::kAssetCount; ++i) {
    if (web_generated::kAssets[i].path == path) return &web_generated::kAssets[i];
  }
  return nullptr;
}

http::Response WebAssetResponse(const WebAsset& asset) {
  http::Response r;
  r.content_type = std::string(asset.content_type);
  r.body = std::string(asset.body);
  // No inline script or style, nothing from elsewhere: the page talks to this server
  // only, and only its own files run.
  r.fields.push_back({"Content-Security-Policy",
                      "default-src 'none'; script-src 'self'; style-src 'self'; "
                      "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                      "form-action 'none'; frame-ancestors 'none'"});
  r.fields.push_back({"X-Content-Type-Options", "nosniff"});
  r.fields.push_back({"Referrer-Policy", "no-referrer"});
  r.fields.push_back({"Cache-Control", "no-cache"});
  return r;
}

}  // namespace probity::server
