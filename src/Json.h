// A small reader for the JSON that OrthancPluginGetConfiguration() returns.
//
// The plugin must read its options (notably PythonVerbose) before the Python
// interpreter exists, so Python's json module cannot be used, and the Orthanc
// SDK offers no JSON reader.  Only reading is needed: no writer, no comments.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

class JsonValue
{
public:
  enum class Kind { Null, Bool, Number, String, Array, Object };

  // Throws std::runtime_error with the offset of the problem on malformed input.
  static JsonValue Parse(const std::string& text);

  Kind kind() const { return kind_; }
  bool IsObject() const { return kind_ == Kind::Object; }

  // Member of an object, or nullptr if absent (or if this is not an object).
  const JsonValue* Find(const std::string& key) const;

  bool AsBool() const { return boolean_; }
  double AsNumber() const { return number_; }
  const std::string& AsString() const { return string_; }
  const std::vector<JsonValue>& AsArray() const { return array_; }

private:
  friend class JsonParser;

  Kind kind_ = Kind::Null;
  bool boolean_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<JsonValue> array_;
  std::map<std::string, JsonValue> object_;
};
