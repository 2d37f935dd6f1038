// Compiled as a file of the codec layer (src/codec), this includes a header of the call layer,
// which sits above it: the build must refuse it (check_layering.sh).
#include "call.h"  // NOLINT(misc-include-cleaner): the include under test

int main() { return 0; }
