/* What bindgen reads to give Rust the layout of the host structs it touches. */
#include "core/sr_module.h"
