// Just enough JSON for the loader: Orthanc's configuration, read into strings and objects.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>

namespace loader
{
struct JsonValue
{
  enum class Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  std::string text;  // a string's value, or a number's or boolean's spelling
  std::map<std::string, std::shared_ptr<JsonValue>> members;  // an object's

  // The member `name` if it is a string, else "".
  std::string StringMember(const std::string& name) const;
  // The member `name` if it is an object, else nullptr.
  const JsonValue* ObjectMember(const std::string& name) const;
};

struct JsonError : std::runtime_error
{
  using std::runtime_error::runtime_error;
};

// Parses a whole document; throws JsonError at the first syntax error.
JsonValue ParseJson(const std::string& text);
}  // namespace loader
