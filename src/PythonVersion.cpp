// The "X.Y" of a Python version string.
#include "PythonVersion.h"

#include <algorithm>
#include <cctype>

namespace python_version
{
namespace
{
bool IsDigit(char c)
{
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}
}  // namespace

std::string MajorMinor(const std::string& text)
{
  const size_t start = text.find_first_not_of(" \t\r\n");
  const size_t dot = start == std::string::npos ? std::string::npos : text.find('.', start);
  if (dot == std::string::npos || dot == start ||
      !std::all_of(text.begin() + static_cast<long>(start), text.begin() + static_cast<long>(dot), IsDigit))
  {
    return "";
  }
  size_t end = dot + 1;
  while (end < text.size() && IsDigit(text[end]))
  {
    ++end;
  }
  return end == dot + 1 ? std::string() : text.substr(start, end - start);
}
}  // namespace python_version
