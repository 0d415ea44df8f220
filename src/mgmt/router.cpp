#include "pf/mgmt/router.hpp"

#include <fmt/format.h>

#include "pf/config/values.hpp"

namespace pf::mgmt {
namespace {

using nlohmann::json;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string_view type_name(Type type) noexcept {
  switch (type) {
    case Type::string: return "a string";
    case Type::integer: return "an integer";
    case Type::boolean: return "true or false";
    case Type::string_array: return "an array of strings";
    case Type::string_map: return "an object of strings";
    case Type::object: return "an object";
    case Type::unset: break;
  }
  return "?";
}

bool has_type(const json& v, Type type) {
  switch (type) {
    case Type::string: return v.is_string();
    case Type::integer: return v.is_number_integer();
    case Type::boolean: return v.is_boolean();
    case Type::object: return v.is_object();
    case Type::string_array:
      if (!v.is_array()) {
        return false;
      }
      for (const auto& e : v) {
        if (!e.is_string()) {
          return false;
        }
      }
      return true;
    case Type::string_map:
      if (!v.is_object()) {
        return false;
      }
      for (const auto& [k, e] : v.items()) {
        if (!e.is_string()) {
          return false;
        }
      }
      return true;
    case Type::unset: break;
  }
  return false;
}

/// Checks one value against its field; the message names the field.
Status check(const Field& f, const json& v, std::string_view where) {
  if (!has_type(v, f.type)) {
    return fail(Errc::malformed, "{} '{}' must be {}", where, f.name, type_name(f.type));
  }
  if (f.type == Type::integer) {
    // Unsigned values above INT64_MAX are out of every range we accept.
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
      return fail(Errc::malformed, "{} '{}' is out of range ({}..{})", where, f.name, f.min, f.max);
    }
    const auto n = v.get<std::int64_t>();
    if (n < f.min || n > f.max) {
      return fail(Errc::malformed, "{} '{}' is out of range ({}..{})", where, f.name, f.min, f.max);
    }
  }
  if (f.type == Type::string && !f.choices.empty()) {
    const auto& s = v.get_ref<const std::string&>();
    if (std::find(f.choices.begin(), f.choices.end(), s) == f.choices.end()) {
      return fail(Errc::malformed, "{} '{}' must be one of: {}", where, f.name, fmt::join(f.choices, ", "));
    }
  }
  return {};
}

json field_schema(const Field& f) {
  json s;
  switch (f.type) {
    case Type::string: s = {{"type", "string"}}; break;
    case Type::integer: s = {{"type", "integer"}, {"format", "int64"}}; break;
    case Type::boolean: s = {{"type", "boolean"}}; break;
    case Type::string_array: s = {{"type", "array"}, {"items", {{"type", "string"}}}}; break;
    case Type::string_map: s = {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}; break;
    case Type::object: s = {{"type", "object"}}; break;
    case Type::unset: break;
  }
  if (!f.doc.empty()) {
    s["description"] = f.doc;
  }
  if (!f.choices.empty()) {
    s["enum"] = f.choices;
  }
  if (f.type == Type::integer) {
    s["minimum"] = f.min;
    if (f.max != INT64_MAX) {
      s["maximum"] = f.max;
    }
  }
  return s;
}

/// Splits "/a/b/c" into {"a","b","c"}; an empty segment ("//") stays empty.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') {
    path.remove_prefix(1);
  }
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) {
      break;
    }
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool match(std::string_view pattern, std::string_view path, std::map<std::string, std::string>& params) {
  const auto want = segments(pattern);
  const auto got = segments(path);
  if (want.size() != got.size()) {
    return false;
  }
  params.clear();
  for (std::size_t i = 0; i < want.size(); ++i) {
    const auto w = want[i];
    if (w.size() > 2 && w.front() == '{' && w.back() == '}') {
      if (got[i].empty()) {
        return false;
      }
      params.emplace(std::string(w.substr(1, w.size() - 2)), std::string(got[i]));
    } else if (w != got[i]) {
      return false;
    }
  }
  return true;
}

int auth_status(const Request& request, Need need) {
  if (request.token_refused) {
    return 401;
  }
  if (request.lane == Lane::admin || need == Need::open) {
    return 0;
  }
  if (need == Need::client && request.lane == Lane::client) {
    return 0;
  }
  return request.lane == Lane::client ? 403 : 401;
}

}  // namespace

std::string_view to_string(Method method) noexcept {
  switch (method) {
    case Method::get: return "GET";
    case Method::post: return "POST";
    case Method::put: return "PUT";
    case Method::patch: return "PATCH";
    case Method::del: return "DELETE";
    case Method::unset: break;
  }
  return "?";
}

std::optional<Method> parse_method(std::string_view text) noexcept {
  for (const Method m : {Method::get, Method::post, Method::put, Method::patch, Method::del}) {
    if (text == to_string(m)) {
      return m;
    }
  }
  return std::nullopt;
}

Response json_response(int status, const json& body) {
  return Response{status, "application/json", dump(body), nullptr};
}

Response error_response(int status, std::string_view message) {
  return json_response(status, json{{"error", message}, {"status", status}});
}

int status_for(Errc code) noexcept {
  switch (code) {
    case Errc::not_found: return 404;
    case Errc::invalid_argument:
    case Errc::malformed:
    case Errc::truncated:
    case Errc::overflow:
    case Errc::config_invalid: return 400;
    case Errc::refused: return 409;
    case Errc::limit_reached: return 429;
    case Errc::unsupported: return 501;
    case Errc::closed:
    case Errc::timeout: return 503;
    default: return 500;
  }
}

Response error_response(const Error& error) {
  return error_response(status_for(error.code), error.message);
}

Field string_field(std::string name, std::string doc, bool required, std::vector<std::string> choices) {
  Field f;
  f.name = std::move(name);
  f.type = Type::string;
  f.required = required;
  f.doc = std::move(doc);
  f.choices = std::move(choices);
  return f;
}

Field integer_field(std::string name, std::string doc, std::int64_t min, std::int64_t max, bool required) {
  Field f;
  f.name = std::move(name);
  f.type = Type::integer;
  f.required = required;
  f.doc = std::move(doc);
  f.min = min;
  f.max = max;
  return f;
}

Field typed_field(std::string name, Type type, std::string doc, bool required) {
  Field f;
  f.name = std::move(name);
  f.type = type;
  f.required = required;
  f.doc = std::move(doc);
  return f;
}

Result<json> bind_body(std::string_view text, const std::vector<Field>& fields) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    text = "{}";
  }
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return fail(Errc::malformed, "the body is not valid JSON");
  }
  if (!j.is_object()) {
    return fail(Errc::malformed, "the body must be a JSON object");
  }
  for (const auto& item : j.items()) {
    const std::string& key = item.key();
    const auto& value = item.value();
    const auto f = std::find_if(fields.begin(), fields.end(), [&](const Field& x) { return x.name == key; });
    if (f == fields.end()) {
      if (fields.empty()) {
        return fail(Errc::malformed, "this endpoint takes no body, got field '{}'", key);
      }
      return fail(Errc::malformed, "unknown field '{}'", key);
    }
    if (auto ok = check(*f, value, "field"); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  for (const Field& f : fields) {
    if (f.required && !j.contains(f.name)) {
      return fail(Errc::malformed, "missing field '{}'", f.name);
    }
  }
  return j;
}

std::string Call::query_or(const std::string& name, std::string fallback) const {
  if (query != nullptr) {
    if (const auto it = query->find(name); it != query->end()) {
      return it->second;
    }
  }
  return fallback;
}

Route& Router::add(Route route) {
  return routes_.emplace_back(std::move(route));
}

Response Router::dispatch(const Request& request) const {
  if (!request.path.starts_with(kApiPrefix)) {
    return error_response(404, "no such endpoint (the API lives under /api/v1)");
  }
  const std::string_view path = std::string_view(request.path).substr(kApiPrefix.size());
  std::map<std::string, std::string> params;
  bool path_known = false;
  const Route* route = nullptr;
  for (const Route& r : routes_) {
    if (match(r.pattern, path, params)) {
      path_known = true;
      if (r.method == request.method) {
        route = &r;
        break;
      }
    }
  }
  if (route == nullptr) {
    return path_known ? error_response(405, fmt::format("{} is not allowed here", to_string(request.method)))
                      : error_response(404, "no such endpoint");
  }
  if (const int status = auth_status(request, route->need); status != 0) {
    if (status == 403) {
      return error_response(403, "a paired client may only read /host and /status");
    }
    return error_response(401, request.refused.empty() ? "authentication required: Authorization: Bearer <token>"
                                                       : request.refused);
  }
  Call call;
  call.path = std::move(params);
  call.query = &request.query;
  call.lane = request.lane;
  for (const auto& entry : request.query) {
    const std::string& key = entry.first;
    const std::string& value = entry.second;
    const auto f = std::find_if(route->query.begin(), route->query.end(), [&](const Field& x) { return x.name == key; });
    if (f == route->query.end()) {
      return error_response(400, fmt::format("unknown query parameter '{}'", key));
    }
    if (f->type == Type::integer) {
      if (!config::parse_integer(value, f->min, f->max)) {
        return error_response(400, fmt::format("query parameter '{}' must be an integer in {}..{}", key, f->min, f->max));
      }
    } else if (auto ok = check(*f, json(value), "query parameter"); !ok) {
      return error_response(400, ok.error().message);
    }
  }
  if (route->document) {
    call.body = request.body;  // the handler's strict parser reads it
  } else {
    auto body = bind_body(request.body, route->body);
    if (!body) {
      return error_response(400, body.error().message);
    }
    call.body = std::move(*body);
  }
  try {
    return route->handler(call);
  } catch (const std::exception& e) {
    return error_response(500, fmt::format("internal error: {}", e.what()));
  }
}

json Router::openapi(std::string_view version) const {
  json paths = json::object();
  for (const Route& r : routes_) {
    json op{{"summary", r.summary}, {"tags", json::array({r.tag})}, {"operationId", fmt::format("{}{}", to_string(r.method), r.pattern)}};
    if (r.need == Need::open) {
      op["security"] = json::array();
    } else if (r.need == Need::client) {
      op["security"] = json::array({json{{"bearerAuth", json::array()}}, json{{"clientCertificate", json::array()}}});
    }
    json parameters = json::array();
    for (const auto& seg : segments(r.pattern)) {
      if (seg.size() > 2 && seg.front() == '{') {
        parameters.push_back({{"name", seg.substr(1, seg.size() - 2)}, {"in", "path"}, {"required", true},
                              {"schema", {{"type", "string"}}}});
      }
    }
    for (const Field& q : r.query) {
      parameters.push_back({{"name", q.name}, {"in", "query"}, {"required", q.required}, {"schema", field_schema(q)}});
    }
    if (!parameters.empty()) {
      op["parameters"] = parameters;
    }
    if (r.document || !r.body.empty()) {
      json schema;
      if (r.document) {
        schema = *r.document;
      } else {
        schema = {{"type", "object"}, {"additionalProperties", false}};
        json props = json::object();
        json required = json::array();
        for (const Field& f : r.body) {
          props[f.name] = field_schema(f);
          if (f.required) {
            required.push_back(f.name);
          }
        }
        schema["properties"] = props;
        if (!required.empty()) {
          schema["required"] = required;
        }
      }
      op["requestBody"] = {{"required", true}, {"content", {{"application/json", {{"schema", schema}}}}}};
    }
    json responses{{"200", {{"description", "success"}, {"content", {{r.responds, json::object()}}}}},
                   {"400", {{"$ref", "#/components/responses/Error"}}}};
    if (r.need != Need::open) {
      responses["401"] = {{"$ref", "#/components/responses/Error"}};
    }
    op["responses"] = responses;
    std::string method(to_string(r.method));
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    paths[fmt::format("{}{}", kApiPrefix, r.pattern)][method] = op;
  }
  json error_schema{{"type", "object"},
                    {"properties", {{"error", {{"type", "string"}}}, {"status", {{"type", "integer"}}}}},
                    {"required", {"error", "status"}}};
  return json{
      {"openapi", "3.1.0"},
      {"info", {{"title", "punktfunk management API"}, {"version", version},
                {"description", "Admin lane: Authorization: Bearer <mgmt-token>, from loopback peers only. "
                                "Paired clients may read /host and /status with their TLS certificate. "
                                "/health is open."}}},
      {"security", json::array({json{{"bearerAuth", json::array()}}})},
      {"paths", paths},
      {"components",
       {{"securitySchemes",
         {{"bearerAuth", {{"type", "http"}, {"scheme", "bearer"}}},
          {"clientCertificate", {{"type", "mutualTLS"}, {"description", "the certificate of a paired client"}}}}},
        {"schemas", {{"Error", error_schema}}},
        {"responses",
         {{"Error", {{"description", "an error, named", },
                     {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}}}}}};
}

}  // namespace pf::mgmt
