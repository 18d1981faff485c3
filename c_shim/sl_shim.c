/*
 * The thin C side of sl-rs, compiled against the installed Kamailio's headers with its own
 * compile defines (see build.rs). Two parts:
 *   (a) tables and strings the host reads: cmds, params, version and flags;
 *   (b) one small wrapper per host macro, inline function or struct field Rust needs.
 * No logic lives here: every decision is made in Rust.
 */
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
#include "core/ver_defs.h"

#include "sl_shim.h"

/* ---- (a) what the host reads; the dlsym roots pointing here live in src/ffi/exports.rs ---- */

const char sl_shim_module_version[] = SER_FULL_VERSION;
const char sl_shim_module_flags[] = SER_COMPILE_FLAGS;

static int default_code = 500;
static str default_reason = STR_STATIC_INIT("Internal Server Error");

cmd_export_t sl_shim_cmds[] = {
	{"sl_send_reply", (cmd_function)sl_rs_w_sl_send_reply, 2, sl_rs_fixup_sl_send_reply, 0,
		REQUEST_ROUTE},
	{"sl_reply", (cmd_function)sl_rs_w_sl_send_reply, 2, sl_rs_fixup_sl_reply, 0,
		REQUEST_ROUTE},
	{"sl_reply_error", (cmd_function)sl_rs_w_sl_reply_error, 0, 0, 0, REQUEST_ROUTE},
	{0, 0, 0, 0, 0, 0}
};

param_export_t sl_shim_params[] = {
	{"default_code", PARAM_INT, &default_code},
	{"default_reason", PARAM_STR, &default_reason},
	{0, 0, 0}
};

int sl_shim_param_default_code(void) { return default_code; }

const char *sl_shim_param_default_reason(size_t *len)
{
	*len = default_reason.len > 0 ? (size_t)default_reason.len : 0;
	return default_reason.s;
}

/* ---- (b) wrappers ---- */

void sl_shim_log(int level, const char *text, size_t len)
{
	int n = len > 4096 ? 4096 : (int)len;
	switch (level) {
		case SL_SHIM_ERR: LM_ERR("%.*s\n", n, text); break;
		case SL_SHIM_WARN: LM_WARN("%.*s\n", n, text); break;
		case SL_SHIM_INFO: LM_INFO("%.*s\n", n, text); break;
		default: LM_DBG("%.*s\n", n, text); break;
	}
}

const char *sl_shim_msg_buf(struct sip_msg *msg, size_t *len)
{
	*len = msg->len > 0 ? (size_t)msg->len : 0;
	return msg->buf;
}

int sl_shim_msg_no_reply(struct sip_msg *msg)
{
	return (msg->msg_flags & FL_MSG_NOREPLY) != 0;
}

int sl_shim_msg_force_rport(struct sip_msg *msg)
{
	return ((msg->msg_flags | global_req_flags) & FL_FORCE_RPORT) != 0;
}

int sl_shim_received_test(struct sip_msg *msg)
{
	/* the core parses the first Via of every request it accepts; be safe anyway */
	return msg->via1 ? received_test(msg) : 0;
}

size_t sl_shim_src_ip(struct sip_msg *msg, char *buf, size_t cap)
{
	int n = ip_addr2sbuf(&msg->rcv.src_ip, buf, (int)cap);
	return n > 0 ? (size_t)n : 0;
}

unsigned short sl_shim_src_port(struct sip_msg *msg)
{
	return msg->rcv.src_port;
}

const void *sl_shim_reply_lump_next(struct sip_msg *msg, const void *cursor,
		const char **text, size_t *len, int *kind)
{
	const struct lump_rpl *l = cursor ? ((const struct lump_rpl *)cursor)->next
		: msg->reply_lump;
	if (!l)
		return NULL;
	*text = l->text.s;
	*len = l->text.len > 0 ? (size_t)l->text.len : 0;
	*kind = (l->flags & LUMP_RPL_HDR) ? SL_SHIM_LUMP_HDR
		: (l->flags & LUMP_RPL_BODY) ? SL_SHIM_LUMP_BODY : SL_SHIM_LUMP_OTHER;
	return l;
}

const char *sl_shim_server_hdr(size_t *len)
{
	if (!server_signature || server_hdr.len <= 0)
		return NULL;
	*len = (size_t)server_hdr.len;
	return server_hdr.s;
}

int sl_shim_send_reply(struct sip_msg *msg, const char *buf, size_t len)
{
	struct dest_info dst;
	int backup_mhomed, ret;

	if (!msg->via1)
		return -1;
	init_dest_info(&dst);
	if (reply_to_via) {
		if (update_sock_struct_from_via(&dst.to, msg, msg->via1) == -1) {
			LM_ERR("cannot look up the reply destination %.*s\n",
					msg->via1->host.len, msg->via1->host.s);
			return -1;
		}
	} else {
		update_sock_struct_from_ip(&dst.to, msg);
	}
	/* replies leave from where the request came in (no mhomed): good for NATs */
	backup_mhomed = mhomed;
	mhomed = 0;
	dst.proto = msg->rcv.proto;
	dst.send_sock = msg->rcv.bind_address;
	dst.id = msg->rcv.proto_reserved1;
#ifdef USE_COMP
	dst.comp = msg->via1->comp_no;
#endif
	dst.send_flags = msg->rpl_send_flags;
	ret = msg_send_buffer(&dst, (char *)buf, (int)len,
			sip_check_fline((char *)buf, (unsigned int)len) == 0 ? 0 : 1);
	mhomed = backup_mhomed;
	return ret < 0 ? -1 : 0;
}

unsigned int sl_shim_ticks(void) { return get_ticks_raw(); }

unsigned int sl_shim_s_to_ticks(unsigned int seconds) { return S_TO_TICKS(seconds); }

int sl_shim_prev_ser_error(void) { return prev_ser_error; }

void *sl_shim_shm_malloc(size_t size) { return shm_malloc(size); }

void sl_shim_shm_free(void *p) { shm_free(p); }

int sl_shim_register_ack_filter(void)
{
	return register_script_cb(sl_rs_filter_ack, PRE_SCRIPT_CB | REQUEST_CB, 0);
}

int sl_shim_first_socket(const char **addr, size_t *alen, const char **port, size_t *plen)
{
	struct socket_info *si = get_first_socket();
	if (!si)
		return -1;
	*addr = si->address_str.s;
	*alen = si->address_str.len > 0 ? (size_t)si->address_str.len : 0;
	*port = si->port_no_str.s;
	*plen = si->port_no_str.len > 0 ? (size_t)si->port_no_str.len : 0;
	return 0;
}

int sl_shim_fixup_int(void **param, int param_no) { return fixup_var_int_12(param, param_no); }

int sl_shim_fixup_str(void **param, int param_no) { return fixup_var_pve_str_12(param, param_no); }

int sl_shim_fparam_int_literal(void *fp, int *out)
{
	fparam_t *p = (fparam_t *)fp;
	if (!p || p->type != FPARAM_INT)
		return 0;
	*out = p->v.i;
	return 1;
}

int sl_shim_fparam_str_literal(void *fp, const char **s, size_t *len)
{
	fparam_t *p = (fparam_t *)fp;
	if (!p || p->type != FPARAM_STR)
		return 0;
	*s = p->v.str.s;
	*len = p->v.str.len > 0 ? (size_t)p->v.str.len : 0;
	return 1;
}

int sl_shim_get_int(struct sip_msg *msg, void *fp, int *out)
{
	return get_int_fparam(out, msg, (fparam_t *)fp);
}

int sl_shim_get_str(struct sip_msg *msg, void *fp, const char **s, size_t *len)
{
	str v = STR_NULL;
	if (get_str_fparam(&v, msg, (fparam_t *)fp) < 0 || (v.s == NULL && v.len > 0))
		return -1;
	*s = v.s;
	*len = v.len > 0 ? (size_t)v.len : 0;
	return 0;
}
