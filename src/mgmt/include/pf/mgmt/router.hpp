// The management API's request handling, sans-I/O: a request (method, path,
// query, body, and the lane its credentials earned) in, a response out.
// The HTTPS server (https_server.hpp) only moves bytes and decides the lane.
//
// Every route declares what it needs (public, a paired client's read-only
// lane, or the admin lane), its query parameters and its body fields. The
// same declarations check each request and generate the OpenAPI document,
// so the document cannot drift from what the code accepts.
//
// Bodies are JSON objects bound strictly: malformed JSON, a field of the
// wrong type, an unknown field or a missing required one is a 400 with a
// JSON error body naming the problem. A handler's Error maps to a status by
// its code (not_found → 404, invalid/malformed → 400, refused → 409, ...).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "pf/core/result.hpp"
#include "pf/core/text.hpp"  // parse_query

namespace pf::mgmt {

class Subscription;

enum class Method : std::uint8_t { unset = 0, get, post, put, patch, del };
[[nodiscard]] std::string_view to_string(Method method) noexcept;
[[nodiscard]] std::optional<Method> parse_method(std::string_view text) noexcept;

/// What a caller's credentials proved.
enum class Lane : std::uint8_t {
  none = 0,    ///< nothing (or nothing valid)
  client = 1,  ///< the TLS certificate of a paired client
  admin = 2,   ///< the bearer token, from a loopback peer
};

/// What a route requires.
enum class Need : std::uint8_t {
  open = 0,    ///< anyone
  client = 1,  ///< a paired client or the admin
  admin = 2,
};

inline constexpr std::string_view kApiPrefix = "/api/v1";
inline constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

struct Request {
  Method method = Method::unset;
  std::string path;  ///< without the query string, percent-decoded
  std::map<std::string, std::string> query;  ///< parse_query() of the target's query string
  std::string body;
  Lane lane = Lane::none;
  /// Why a credential that was presented was refused ("admin API is
  /// loopback-only", "wrong token", "this client certificate is not
  /// paired"); empty when none was presented.
  std::string refused;
  /// A bearer token was presented and refused: every route, /health too,
  /// answers 401, so a misconfigured caller notices.
  bool token_refused = false;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  /// Set by a streaming route (events): the server sends these events as
  /// Server-Sent Events until the client leaves; status and body are unused.
  std::shared_ptr<Subscription> events;
};

[[nodiscard]] Response json_response(int status, const nlohmann::json& body);
/// {"error": message, "status": status}.
[[nodiscard]] Response error_response(int status, std::string_view message);
/// The status an Error's code stands for.
[[nodiscard]] int status_for(Errc code) noexcept;
[[nodiscard]] Response error_response(const Error& error);

enum class Type : std::uint8_t { unset = 0, string, integer, boolean, string_array, string_map, object };

/// One body field or query parameter.
struct Field {
  std::string name;
  Type type = Type::string;
  bool required = false;
  std::string doc;
  std::vector<std::string> choices;  ///< for strings: the accepted values (empty: any)
  std::int64_t min = 0;              ///< for integers
  std::int64_t max = INT64_MAX;
};


[[nodiscard]] Field string_field(std::string name, std::string doc, bool required = false,
                                std::vector<std::string> choices = {});
[[nodiscard]] Field integer_field(std::string name, std::string doc, std::int64_t min, std::int64_t max,
                                 bool required = false);
[[nodiscard]] Field typed_field(std::string name, Type type, std::string doc, bool required = false);

/// Parses `text` as a JSON object holding only `fields`, each of its type.
/// Empty text is an empty object.
[[nodiscard]] Result<nlohmann::json> bind_body(std::string_view text, const std::vector<Field>& fields);

struct Call {
  std::map<std::string, std::string> path;  ///< {name} segments of the pattern
  const std::map<std::string, std::string>* query = nullptr;
  nlohmann::json body;  ///< bound: only declared fields, each of its type
  Lane lane = Lane::none;

  [[nodiscard]] const std::string& param(const std::string& name) const { return path.at(name); }
  /// A query parameter, or `fallback` when absent.
  [[nodiscard]] std::string query_or(const std::string& name, std::string fallback) const;
};

using Handler = std::function<Response(const Call&)>;

struct Route {
  Method method = Method::unset;
  std::string pattern;  ///< below kApiPrefix: "/session/{id}/idr"
  Need need = Need::admin;
  std::string tag;      ///< OpenAPI grouping: "host", "session", ...
  std::string summary;
  std::vector<Field> query;
  std::vector<Field> body;  ///< empty: the route takes no body
  /// Instead of `body`: the route takes a whole document its handler parses
  /// (the schema for the OpenAPI document; the handler's parser is strict).
  std::optional<nlohmann::json> document;
  std::string responds = "application/json";
  Handler handler;
};

class Router {
 public:
  /// The added route, to set what the caller's shorthand did not (valid
  /// until the next add).
  Route& add(Route route);
  /// Matches, checks the lane, binds query and body, calls the handler.
  /// Never throws: a throwing handler is a 500.
  [[nodiscard]] Response dispatch(const Request& request) const;
  [[nodiscard]] const std::vector<Route>& routes() const noexcept { return routes_; }
  /// The OpenAPI 3.1 document of every route.
  [[nodiscard]] nlohmann::json openapi(std::string_view version) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace pf::mgmt
