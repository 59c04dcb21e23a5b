// The PATH environment variable: its folders, and the first file of a name in them.
#pragma once

#include <string>
#include <vector>

namespace loader
{
// The non-empty folders of PATH, in order.
std::vector<std::string> PathDirectories();

// The first file `name` in PATH's folders; "" when there is none.
std::string FindOnPath(const std::string& name);
}  // namespace loader
