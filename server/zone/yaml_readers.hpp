// Private to the YAML tree: what parse() (yaml_tree.cpp) and the two readers share. The fast
// reader is in yaml_fast_reader.cpp, the conversion of yaml-cpp's tree in yaml_tree_builder.cpp.
#pragma once

#include <cstddef>
#include <string>

#include "horizon/zone/yaml_tree.hpp"

namespace horizon::zone::yaml {

/// The fast reader on a text it may hand back: true and `*out` filled when the text is in the
/// subset; false with `*text` left as it was, so that parse() gives it to yaml-cpp without a copy.
bool readFast(std::string* text, Tree* out);

/// The message of a document that expands to more than `max_nodes` nodes.
std::string tooLargeMessage(std::size_t max_nodes);

}  // namespace horizon::zone::yaml
