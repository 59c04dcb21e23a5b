// A small recursive-descent JSON reader: the loader needs only the "Python" section.
#include "MiniJson.h"

#include <cctype>

namespace loader
{
namespace
{
class Parser
{
public:
  explicit Parser(const std::string& text) : text_(text) {}

  JsonValue Document()
  {
    JsonValue value = Value(0);
    SkipSpace();
    if (pos_ != text_.size())
    {
      Fail("unexpected text after the document");
    }
    return value;
  }

private:
  const std::string& text_;
  size_t pos_ = 0;

  [[noreturn]] void Fail(const std::string& what) const
  {
    throw JsonError("configuration JSON, offset " + std::to_string(pos_) + ": " + what);
  }

  void SkipSpace()
  {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
    {
      ++pos_;
    }
  }

  void Expect(char c)
  {
    SkipSpace();
    if (pos_ >= text_.size() || text_[pos_] != c)
    {
      Fail(std::string("expected '") + c + "'");
    }
    ++pos_;
  }

  static void AppendUtf8(std::string& out, unsigned code)
  {
    if (code < 0x80)
    {
      out += static_cast<char>(code);
    }
    else if (code < 0x800)
    {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
    else if (code < 0x10000)
    {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
    else
    {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  unsigned Hex4()
  {
    if (pos_ + 4 > text_.size())
    {
      Fail("truncated \\u escape");
    }
    unsigned code = 0;
    for (int i = 0; i < 4; ++i)
    {
      const char c = text_[pos_++];
      code <<= 4;
      if (c >= '0' && c <= '9') code |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') code |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') code |= static_cast<unsigned>(c - 'A' + 10);
      else Fail("bad \\u escape");
    }
    return code;
  }

  std::string String()
  {
    Expect('"');
    std::string out;
    while (true)
    {
      if (pos_ >= text_.size())
      {
        Fail("unterminated string");
      }
      const char c = text_[pos_++];
      if (c == '"')
      {
        return out;
      }
      if (c != '\\')
      {
        out += c;
        continue;
      }
      if (pos_ >= text_.size())
      {
        Fail("unterminated escape");
      }
      const char e = text_[pos_++];
      switch (e)
      {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u':
        {
          unsigned code = Hex4();
          if (code >= 0xD800 && code < 0xDC00 && text_.compare(pos_, 2, "\\u") == 0)
          {
            pos_ += 2;
            const unsigned low = Hex4();
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(out, code);
          break;
        }
        default: Fail("bad escape");
      }
    }
  }

  JsonValue Value(int depth)
  {
    if (depth > 64)
    {
      Fail("nested too deeply");
    }
    SkipSpace();
    if (pos_ >= text_.size())
    {
      Fail("unexpected end");
    }
    JsonValue value;
    const char c = text_[pos_];
    if (c == '{')
    {
      value.kind = JsonValue::Kind::Object;
      ++pos_;
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == '}')
      {
        ++pos_;
        return value;
      }
      while (true)
      {
        SkipSpace();
        const std::string name = String();
        Expect(':');
        value.members[name] = std::make_shared<JsonValue>(Value(depth + 1));
        SkipSpace();
        if (pos_ < text_.size() && text_[pos_] == ',')
        {
          ++pos_;
          continue;
        }
        Expect('}');
        return value;
      }
    }
    if (c == '[')
    {
      value.kind = JsonValue::Kind::Array;
      ++pos_;
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ']')
      {
        ++pos_;
        return value;
      }
      while (true)
      {
        Value(depth + 1);  // arrays are not needed: skipped
        SkipSpace();
        if (pos_ < text_.size() && text_[pos_] == ',')
        {
          ++pos_;
          continue;
        }
        Expect(']');
        return value;
      }
    }
    if (c == '"')
    {
      value.kind = JsonValue::Kind::String;
      value.text = String();
      return value;
    }
    for (const char* word : {"true", "false", "null"})
    {
      const std::string w(word);
      if (text_.compare(pos_, w.size(), w) == 0)
      {
        pos_ += w.size();
        value.kind = w == "null" ? JsonValue::Kind::Null : JsonValue::Kind::Bool;
        value.text = w;
        return value;
      }
    }
    const size_t start = pos_;
    while (pos_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '-' ||
                                   text_[pos_] == '+' || text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E'))
    {
      ++pos_;
    }
    if (pos_ == start)
    {
      Fail("unexpected character");
    }
    value.kind = JsonValue::Kind::Number;
    value.text = text_.substr(start, pos_ - start);
    return value;
  }
};
}  // namespace

std::string JsonValue::StringMember(const std::string& name) const
{
  auto it = members.find(name);
  return it != members.end() && it->second->kind == Kind::String ? it->second->text : std::string();
}

const JsonValue* JsonValue::ObjectMember(const std::string& name) const
{
  auto it = members.find(name);
  return it != members.end() && it->second->kind == Kind::Object ? it->second.get() : nullptr;
}

JsonValue ParseJson(const std::string& text)
{
  return Parser(text).Document();
}
}  // namespace loader
