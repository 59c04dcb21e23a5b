#include "Json.h"

#include <cstdlib>

class JsonParser
{
public:
  explicit JsonParser(const std::string& text) : text_(text) {}

  JsonValue ParseDocument()
  {
    JsonValue value = ParseValue();
    SkipSpaces();
    if (pos_ != text_.size())
    {
      Fail("unexpected text after the JSON value");
    }
    return value;
  }

private:
  const std::string& text_;
  size_t pos_ = 0;

  [[noreturn]] void Fail(const std::string& what) const
  {
    throw std::runtime_error("invalid JSON at offset " + std::to_string(pos_) + ": " + what);
  }

  void SkipSpaces()
  {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
    {
      pos_++;
    }
  }

  char Peek()
  {
    SkipSpaces();
    if (pos_ >= text_.size())
    {
      Fail("unexpected end of text");
    }
    return text_[pos_];
  }

  void Expect(char c)
  {
    if (Peek() != c)
    {
      Fail(std::string("expected '") + c + "'");
    }
    pos_++;
  }

  bool ConsumeWord(const char* word)
  {
    const std::string w(word);
    if (text_.compare(pos_, w.size(), w) == 0)
    {
      pos_ += w.size();
      return true;
    }
    return false;
  }

  JsonValue ParseValue()
  {
    JsonValue value;
    const char c = Peek();
    if (c == '{')
    {
      value.kind_ = JsonValue::Kind::Object;
      pos_++;
      if (Peek() == '}')
      {
        pos_++;
        return value;
      }
      for (;;)
      {
        if (Peek() != '"')
        {
          Fail("expected a member name");
        }
        std::string key = ParseString();
        Expect(':');
        value.object_[key] = ParseValue();
        if (Peek() == ',')
        {
          pos_++;
          continue;
        }
        Expect('}');
        return value;
      }
    }
    if (c == '[')
    {
      value.kind_ = JsonValue::Kind::Array;
      pos_++;
      if (Peek() == ']')
      {
        pos_++;
        return value;
      }
      for (;;)
      {
        value.array_.push_back(ParseValue());
        if (Peek() == ',')
        {
          pos_++;
          continue;
        }
        Expect(']');
        return value;
      }
    }
    if (c == '"')
    {
      value.kind_ = JsonValue::Kind::String;
      value.string_ = ParseString();
      return value;
    }
    if (ConsumeWord("true"))
    {
      value.kind_ = JsonValue::Kind::Bool;
      value.boolean_ = true;
      return value;
    }
    if (ConsumeWord("false"))
    {
      value.kind_ = JsonValue::Kind::Bool;
      return value;
    }
    if (ConsumeWord("null"))
    {
      return value;
    }
    const char* start = text_.c_str() + pos_;
    char* end = nullptr;
    value.number_ = std::strtod(start, &end);
    if (end == start)
    {
      Fail("unexpected character");
    }
    value.kind_ = JsonValue::Kind::Number;
    pos_ += static_cast<size_t>(end - start);
    return value;
  }

  static void AppendUtf8(std::string& out, unsigned long cp)
  {
    if (cp < 0x80)
    {
      out += static_cast<char>(cp);
    }
    else if (cp < 0x800)
    {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    else if (cp < 0x10000)
    {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    else
    {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  unsigned long ParseHex4()
  {
    if (pos_ + 4 > text_.size())
    {
      Fail("truncated \\u escape");
    }
    const std::string digits = text_.substr(pos_, 4);
    char* end = nullptr;
    const unsigned long cp = std::strtoul(digits.c_str(), &end, 16);
    if (end != digits.c_str() + 4)
    {
      Fail("bad \\u escape");
    }
    pos_ += 4;
    return cp;
  }

  std::string ParseString()
  {
    Expect('"');
    std::string out;
    while (pos_ < text_.size())
    {
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
        break;
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
          unsigned long cp = ParseHex4();
          // A UTF-16 surrogate pair encodes one code point above U+FFFF.
          if (cp >= 0xD800 && cp < 0xDC00 && text_.compare(pos_, 2, "\\u") == 0)
          {
            pos_ += 2;
            const unsigned long low = ParseHex4();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          Fail("bad escape sequence");
      }
    }
    Fail("unterminated string");
  }
};

JsonValue JsonValue::Parse(const std::string& text)
{
  return JsonParser(text).ParseDocument();
}

const JsonValue* JsonValue::Find(const std::string& key) const
{
  auto found = object_.find(key);
  return found == object_.end() ? nullptr : &found->second;
}
