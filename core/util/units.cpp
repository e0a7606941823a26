#include "core/util/units.hpp"

#include <fmt/core.h>

namespace qs {

std::string human_bytes(uint64_t bytes) {
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    if (bytes < 1024) return fmt::format("{} B", bytes);
    double v = double(bytes);
    int u = 0;
    while (v >= 1024.0 && u < 5) {
        v /= 1024.0;
        ++u;
    }
    return fmt::format("{:.2f} {}", v, kUnits[u]);
}

std::string human_count(uint64_t n) {
    if (n < 1000) return fmt::format("{}", n);
    static constexpr const char* kUnits[] = {"", "K", "M", "B", "T"};
    double v = double(n);
    int u = 0;
    while (v >= 1000.0 && u < 4) {
        v /= 1000.0;
        ++u;
    }
    return fmt::format("{:.2f} {}", v, kUnits[u]);
}

}  // namespace qs
