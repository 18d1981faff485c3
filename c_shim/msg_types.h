/* What bindgen reads to give Rust the layout of the parsed message it reads (src/ffi/msg.rs) and
 * of the fixed-up script parameters (src/ffi/param.rs). */
#include "core/parser/msg_parser.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_cseq.h"
#include "core/data_lump_rpl.h"
#include "core/sr_module.h"
