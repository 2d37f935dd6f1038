// Compiled as a file of the codec layer (src/codec), this includes a header of the base layer,
// below it: the build must accept it (the control of check_layering.sh).
#include "validation.h"  // NOLINT(misc-include-cleaner): the include under test

int main() { return 0; }
