// For Jazzer.js's prebuilt fuzzer on a glibc older than 2.38 (and a
// libstdc++ older than GCC 13): the few symbols it takes from the newer
// ones, preloaded (LD_PRELOAD) into the fuzzing process only.
#include <cstdlib>
#include <ios>

extern "C" long __isoc23_strtol(const char *s, char **end, int base) { return std::strtol(s, end, base); }
extern "C" unsigned long __isoc23_strtoul(const char *s, char **end, int base) { return std::strtoul(s, end, base); }

namespace std {
// GCC 13's iostream initialisation hook: an older libstdc++ initialises through ios_base::Init.
void ios_base_library_init() { static ios_base::Init init; }
}
