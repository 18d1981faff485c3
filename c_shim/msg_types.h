/* What bindgen reads to give Rust the layout of the parsed message it reads (src/ffi/msg.rs). */
#include "core/parser/msg_parser.h"
#include "core/parser/parse_to.h"
