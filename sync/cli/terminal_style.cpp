// Colour follows the NO_COLOR convention: any value of the variable turns it off.
#include "terminal_style.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace horizon::edit {

TerminalStyle TerminalStyle::forStdout(bool json) {
  TerminalStyle style;
  style.on_ = !json && ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
  return style;
}

std::string TerminalStyle::wrap(const std::string& text, const char* code) const {
  return on_ ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
}

void printTable(const std::vector<std::vector<std::string>>& plain,
                const std::vector<std::vector<std::string>>& styled) {
  std::vector<std::size_t> width;
  for (const auto& row : plain)
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], row[c].size());
    }
  for (std::size_t r = 0; r < plain.size(); ++r) {
    std::string line;
    for (std::size_t c = 0; c < plain[r].size(); ++c) {
      line += styled[r][c];
      if (c + 1 < plain[r].size()) line += std::string(width[c] - plain[r][c].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

}  // namespace horizon::edit
