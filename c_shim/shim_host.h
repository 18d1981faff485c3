/*
 * What the files of the C shim share: the host's headers, what differs between the hosts this
 * builds for, and the module parameters and functions one file defines for another. Not part
 * of the contract with Rust (that is sl_shim.h).
 */
#ifndef SL_SHIM_HOST_H
#define SL_SHIM_HOST_H

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/error.h"
#include "core/globals.h"
#include "core/forward.h"
#include "core/ip_addr.h"
#include "core/mem/shm_mem.h"
#include "core/mod_fix.h"
#include "core/msg_translator.h"
#include "core/receive.h"
#include "core/script_cb.h"
#include "core/socket_info.h"
#include "core/timer.h"
#include "core/timer_ticks.h"
#include "core/data_lump_rpl.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_cseq.h"
#include "core/pt.h"
#include "core/ver_defs.h"
#include "core/action.h"
#include "core/counters.h"
#include "core/data_lump.h"
#include "core/dset.h"
#include "core/events.h"
#include "core/kemi.h"
#include "core/onsend.h"
#include "core/route.h"
#include "core/rpc.h"
#include "core/pvar.h"
#include "core/pvapi.h"
#include "core/xavp.h"
#include "core/mem/mem.h"

/* The host's own API structs, so other modules see the layout they were built with. */
#include "modules/sl/sl.h"
#include "modules/tm/tm_load.h"

#include "sl_shim.h"

/* ---- What differs between the hosts this builds for, named once (VERSIONVAL: 5006003 for
 * Debian bookworm's 5.6.3, 6000001 for trixie's 6.0.1, 6001004 for upstream 6.1.4) ----
 * Kamailio 6.0:
 *  - marks a request once a final reply went out (FL_FINAL_REPLY; tm reads it) or tm delayed
 *    its reply (FL_DELAYED_REPLY); the internal-error replies refuse such a request;
 *  - has send_reply_error() (script and KEMI): the internal-error reply through tm's
 *    t_reply_error when tm answers it, else stateless;
 *  - puts received/rport after the rport they replace or after the branch of the first Via,
 *    with the parameters the script asked for (corex via_reply_add_xavp_params());
 *  - prints sl.stats as unsigned longs ("j"); 5.6 prints ints ("d"), which we saturate;
 *  - gives the functions free-fixups, so their parameters may be expressions evaluated per
 *    call (`sl_send_reply(400 + $var(n), "x" + $var(r))`); 5.6 refuses those at start-up. */
#if VERSIONVAL >= 6000000
/* Weak, the only host symbols 5.6 lacks: a module built for 6.0 still opens in 5.6 (which
 * resolves every symbol at dlopen), so that the core's version check refuses it with its own
 * "module version mismatch" line instead of "undefined symbol". tests/versions.rs checks it. */
#pragma weak _ksr_xavp_via_reply_params
#pragma weak xavp_serialize_fields_style
#define SL_HOST_REPLY_MARKS 1
#define SL_HOST_SEND_REPLY_ERROR 1
#define SL_HOST_VIA_XAVP_PARAMS 1
#define SL_HOST_FEATURES_6_0 (SL_SHIM_VIA_AFTER_RPORT_OR_BRANCH | SL_SHIM_REPLY_MARKS)
#define SL_HOST_RPC_ULONG 1
static inline int free_fixup_reply_mode(void **param, int param_no)
{
	/* the mode is fixed up as an int, like the code */
	return fixup_free_fparam_all(param, param_no == 3 ? 1 : param_no);
}
#define SL_FREE_FPARAM fixup_free_fparam_all
#define SL_FREE_REPLY_MODE free_fixup_reply_mode
#define SL_FREE_SPVE fixup_free_spve_all
/* Kamailio 6.1:
 *  - refuses a reply whose reason is null or empty, with one error line and -1, in every entry
 *    of sl (script functions, send_reply, the API, KEMI); 5.6 and 6.0 send it (Rust's
 *    Module::empty_reason_refused says where the check stands against the no-reply mark);
 *  - the rest of what changed in the core (struct sip_msg's buf_size and vbflags, a VRF name
 *    in struct socket_info, ksr_coninfo_t gone, build_res_buf_from_sip_res's mode, the lumps'
 *    dry-run flag, From parsed with the first headers) reaches the shim through the headers and
 *    Rust through bindgen: no line of either names it. */
#if VERSIONVAL >= 6001000
#define SL_HOST_FEATURES (SL_HOST_FEATURES_6_0 | SL_SHIM_EMPTY_REASON_REFUSED)
#else
#define SL_HOST_FEATURES SL_HOST_FEATURES_6_0
#endif
#else
#define SL_FREE_FPARAM 0
#define SL_FREE_REPLY_MODE 0
#define SL_FREE_SPVE 0
#define SL_HOST_FEATURES 0
#endif

/* Module parameters (sl_shim.c) read by the other files. */
extern int shim_bind_tm;
extern int shim_rich_redirect;
extern str shim_evcb_fl_ack;
extern str shim_evcb_lres_sent;

/* The Rust side (sl_shim.c keeps it in sl_shim_register). */
extern const struct sl_entries *shim_rs;

/* The RPC and pseudo-variable tables (api.c), for sl_shim_register. */
extern rpc_export_t sl_shim_rpc[];
extern pv_export_t sl_shim_pvs[];

/* The bind_sl command (api.c) and the callback list it fills (send.c). */
int shim_bind_sl(sl_api_t *api);
int shim_register_callback(sl_cbelem_t *cbe);

#endif
