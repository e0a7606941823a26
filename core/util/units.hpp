// Human-readable numbers for tables and the GUI: "1.50 GiB", "7.24 B".
#pragma once

#include <cstdint>
#include <string>

namespace qs {

std::string human_bytes(uint64_t bytes);   // binary units: B, KiB, MiB, GiB, TiB
std::string human_count(uint64_t n);       // 999, 1.20 K, 7.24 M, 1.10 B

}  // namespace qs
