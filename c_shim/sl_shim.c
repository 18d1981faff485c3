/*
 * The thin C side of sl-rs, compiled against the installed Kamailio's headers with its own
 * compile defines (see build.rs). It runs host code for Rust: what is a macro or an inline
 * function, or takes the host's structs (sending, callbacks and event routes, tm, pseudo-
 * variables); Rust makes the module's decisions and reads the message's fields itself (the
 * rule, with its one exception, is in src/ffi/mod.rs). The files:
 *   sl_shim.c   (a) tables and strings the host reads: cmds, params, version and flags;
 *               (b) one small wrapper per host macro, inline function or struct field Rust needs;
 *   send.c      sending a reply and what runs around it: SLCB callbacks, event routes and their
 *               KEMI callbacks, the ACK filter;
 *   tm.c        the other ways out: through tm, and sl_forward_reply;
 *   api.c       what others call: the bind_sl API, KEMI, $ltt, statistics and RPC;
 *   shim_host.h what they share, and what differs between the hosts (by VERSIONVAL).
 */
#include "shim_host.h"

/* ---- (a) what the host reads; the dlsym roots pointing here live in src/ffi/exports.rs ---- */

const char sl_shim_module_version[] = SER_FULL_VERSION;
const char sl_shim_module_flags[] = SER_COMPILE_FLAGS;

static int default_code = 500;
static str default_reason = STR_STATIC_INIT("Internal Server Error");
int shim_bind_tm = 1;
int shim_rich_redirect = 0;
static int absorb_dialog_acks = 0;
/* Room for a 2-second window of 2048 in-dialog rejects a second (about 1.1 MB). */
static int dialog_ack_entries = 4096;
str shim_evcb_fl_ack = STR_NULL;
str shim_evcb_lres_sent = STR_NULL;

static param_export_t sl_shim_params[] = {
	{"default_code", PARAM_INT, &default_code},
	{"default_reason", PARAM_STR, &default_reason},
	{"bind_tm", PARAM_INT, &shim_bind_tm},
	{"rich_redirect", PARAM_INT, &shim_rich_redirect},
	{"event_callback_fl_ack", PARAM_STR, &shim_evcb_fl_ack},
	{"event_callback_lres_sent", PARAM_STR, &shim_evcb_lres_sent},
	{"absorb_dialog_acks", PARAM_INT, &absorb_dialog_acks},
	{"dialog_ack_entries", PARAM_INT, &dialog_ack_entries},
	{0, 0, 0}
};

/* The script functions: the host reads this table after mod_register, which fills it
 * (sl_shim_register); a zeroed row ends it. */
static cmd_export_t sl_shim_cmds[16];

/* The Rust side, for the other files (shim_host.h). */
const struct sl_entries *shim_rs;

void sl_shim_register(const struct sl_entries *rs, struct sl_shim_tables *tables)
{
	const cmd_export_t cmds[] = {
		{"sl_send_reply", (cmd_function)rs->sl_send_reply, 2, rs->fixup_sl_send_reply,
			SL_FREE_FPARAM, REQUEST_ROUTE},
		{"sl_reply", (cmd_function)rs->sl_send_reply, 2, rs->fixup_sl_reply, SL_FREE_FPARAM,
			REQUEST_ROUTE},
		{"send_reply", (cmd_function)rs->send_reply, 2, rs->fixup_send_reply, SL_FREE_FPARAM,
			REQUEST_ROUTE | ONREPLY_ROUTE | FAILURE_ROUTE},
		{"send_reply_mode", (cmd_function)rs->send_reply_mode, 3, rs->fixup_send_reply_mode,
			SL_FREE_REPLY_MODE, REQUEST_ROUTE | ONREPLY_ROUTE | FAILURE_ROUTE},
		{"sl_reply_error", (cmd_function)rs->sl_reply_error, 0, 0, 0, REQUEST_ROUTE},
#ifdef SL_HOST_SEND_REPLY_ERROR
		{"send_reply_error", (cmd_function)rs->send_reply_error, 0, 0, 0,
			REQUEST_ROUTE | ONREPLY_ROUTE | FAILURE_ROUTE},
#endif
		{"sl_forward_reply", (cmd_function)rs->sl_forward_reply0, 0, 0, 0, ONREPLY_ROUTE},
		{"sl_forward_reply", (cmd_function)rs->sl_forward_reply1, 1,
			rs->fixup_sl_forward_reply, SL_FREE_SPVE, ONREPLY_ROUTE},
		{"sl_forward_reply", (cmd_function)rs->sl_forward_reply2, 2,
			rs->fixup_sl_forward_reply, SL_FREE_SPVE, ONREPLY_ROUTE},
		{"bind_sl", (cmd_function)shim_bind_sl, 0, 0, 0, 0},
		{0, 0, 0, 0, 0, 0}
	};
	_Static_assert(sizeof(cmds) <= sizeof(sl_shim_cmds), "sl_shim_cmds holds every row");

	shim_rs = rs;
	memcpy(sl_shim_cmds, cmds, sizeof(cmds));
	tables->cmds = sl_shim_cmds;
	tables->params = sl_shim_params;
	tables->rpc = sl_shim_rpc;
	tables->pvs = sl_shim_pvs;
}



int sl_shim_param_bind_tm(void) { return shim_bind_tm; }

int sl_shim_param_rich_redirect(void) { return shim_rich_redirect; }

int sl_shim_param_absorb_dialog_acks(void) { return absorb_dialog_acks; }

int sl_shim_param_dialog_ack_entries(void) { return dialog_ack_entries; }

const char *sl_shim_param_event_callback(enum sl_shim_evcb which, size_t *len)
{
	str *p = which == SL_SHIM_EVCB_FL_ACK ? &shim_evcb_fl_ack : &shim_evcb_lres_sent;
	*len = p->len > 0 ? (size_t)p->len : 0;
	return p->s;
}

int sl_shim_param_default_code(void) { return default_code; }

const char *sl_shim_param_default_reason(size_t *len)
{
	*len = default_reason.len > 0 ? (size_t)default_reason.len : 0;
	return default_reason.s;
}

/* ---- (b) wrappers ---- */

/* The line comes whole from Rust, `sl [file:line]: function(): ` included (LM_* would name
 * this function instead); the host still filters it by the module's debug level. */
void sl_shim_log(enum sl_shim_level level, const char *text, size_t len)
{
	int n = len > 4096 ? 4096 : (int)len;
	switch (level) {
		case SL_SHIM_ERR: LOG_FN(DEFAULT_FACILITY, L_ERR, "", "%.*s\n", n, text); break;
		case SL_SHIM_WARN: LOG_FN(DEFAULT_FACILITY, L_WARN, "", "%.*s\n", n, text); break;
		case SL_SHIM_INFO: LOG_FN(DEFAULT_FACILITY, L_INFO, "", "%.*s\n", n, text); break;
		default: LOG_FN(DEFAULT_FACILITY, L_DBG, "", "%.*s\n", n, text); break;
	}
}

int sl_shim_log_enabled(enum sl_shim_level level)
{
	switch (level) {
		case SL_SHIM_ERR: return is_printable(L_ERR);
		case SL_SHIM_WARN: return is_printable(L_WARN);
		case SL_SHIM_INFO: return is_printable(L_INFO);
		default: return is_printable(L_DBG);
	}
}

size_t sl_shim_sizeof_sip_msg(void) { return sizeof(struct sip_msg); }
size_t sl_shim_sizeof_fparam(void) { return sizeof(fparam_t); }

void sl_shim_reply_mark_flags(unsigned long long *final_reply, unsigned long long *delayed)
{
#ifdef SL_HOST_REPLY_MARKS
	*final_reply = FL_FINAL_REPLY;
	*delayed = FL_DELAYED_REPLY;
#else
	*final_reply = 0;
	*delayed = 0;
#endif
}

unsigned int sl_shim_host_features(void) { return SL_HOST_FEATURES; }

int sl_shim_parser_strict(void)
{
	return (ksr_sip_parser_mode & KSR_SIP_PARSER_MODE_STRICT) != 0;
}

unsigned long long sl_shim_via_params_flag(void)
{
#ifdef SL_HOST_VIA_XAVP_PARAMS
	return FL_ADD_XAVP_VIA_REPLY_PARAMS;
#else
	return 0;
#endif
}

const char *sl_shim_via_extra(struct sip_msg *msg, size_t *len)
{
#ifdef SL_HOST_VIA_XAVP_PARAMS
	str x = STR_NULL;

	/* Rust asks only for a message with FL_ADD_XAVP_VIA_REPLY_PARAMS set (it reads msg_flags) */
	(void)msg;
	if (_ksr_xavp_via_reply_params.len > 0) {
		x.s = pv_get_buffer();
		x.len = xavp_serialize_fields_style(
				&_ksr_xavp_via_reply_params, 1, x.s, pv_get_buffer_size());
	}
	if (x.len > 0) {
		*len = (size_t)x.len;
		return x.s;
	}
#else
	(void)msg;
#endif
	*len = 0;
	return NULL;
}

unsigned long long sl_shim_global_req_flags(void) { return global_req_flags; }

int sl_shim_received_test(struct sip_msg *msg)
{
	/* the core parses the first Via of every request it accepts; be safe anyway */
	return msg->via1 ? received_test(msg) : 0;
}

int sl_shim_read_rest(struct sip_msg *msg)
{
	/* what native's reply builder asks first: the core's parser reads to the head's end */
	return parse_headers(msg, HDR_EOH_F, 0) != -1;
}

size_t sl_shim_src_ip(struct sip_msg *msg, char *buf, size_t cap)
{
	int n = ip_addr2sbuf(&msg->rcv.src_ip, buf, (int)cap);
	return n > 0 ? (size_t)n : 0;
}

/* The core's Warning header for a reply to msg, as its (static) warning_builder prints it, in a
 * static buffer like the core's, valid until the next call; NULL when sip_warning is off or the
 * line does not fit (the core then skips it too). */
const char *sl_shim_warning(struct sip_msg *msg, size_t *len)
{
	static char buf[MAX_WARNING_LEN + 1];
	size_t cap = sizeof(buf);
	str *out_uri;
	char *ip;
	int n;

	if (!sip_warning || !msg->rcv.bind_address)
		return NULL;
	out_uri = msg->new_uri.s ? &msg->new_uri : &msg->first_line.u.request.uri;
	ip = ip_addr2a(&msg->rcv.src_ip);
	n = snprintf(buf, cap,
			"%s%s%s pid=%d req_src_ip=%s req_src_port=%d in_uri=%.*s out_uri=%.*s via_cnt%c=%d\"",
			WARNING, su2a(&msg->rcv.bind_address->su, sizeof(msg->rcv.bind_address->su)),
			WARNING_PHRASE, my_pid(), ip, (int)msg->rcv.src_port,
			msg->first_line.u.request.uri.len, msg->first_line.u.request.uri.s,
			out_uri->len, out_uri->s,
			(msg->parsed_flag & HDR_EOH_F) == HDR_EOH_F ? '=' : '>', via_cnt);
	if (n <= 0 || (size_t)n >= cap || n > MAX_WARNING_LEN)
		return NULL;
	*len = (size_t)n;
	return buf;
}

int sl_shim_sip_warning(void) { return sip_warning; }

const char *sl_shim_server_hdr(size_t *len)
{
	if (!server_signature || server_hdr.len <= 0)
		return NULL;
	*len = (size_t)server_hdr.len;
	return server_hdr.s;
}

unsigned int sl_shim_ticks(void) { return get_ticks_raw(); }

unsigned int sl_shim_s_to_ticks(unsigned int seconds) { return S_TO_TICKS(seconds); }

int sl_shim_prev_ser_error(void) { return prev_ser_error; }

void *sl_shim_shm_malloc(size_t size) { return shm_malloc(size); }

void sl_shim_shm_free(void *p) { shm_free(p); }

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

/* Variables only: Rust reads literals in place (src/ffi/param.rs). */
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

int sl_shim_fixup_spve(void **param, int param_no) { return fixup_spve_all(param, param_no); }

int sl_shim_gparam_str_literal(void *gp, const char **s, size_t *len)
{
	gparam_t *p = (gparam_t *)gp;
	if (!p || p->type != GPARAM_TYPE_STR)
		return 0;
	*s = p->v.str.s;
	*len = p->v.str.len > 0 ? (size_t)p->v.str.len : 0;
	return 1;
}

int sl_shim_get_spve(struct sip_msg *msg, void *gp, const char **s, size_t *len)
{
	str v = STR_NULL;
	if (fixup_get_svalue(msg, (gparam_t *)gp, &v) < 0 || (v.s == NULL && v.len > 0))
		return -1;
	*s = v.s;
	*len = v.len > 0 ? (size_t)v.len : 0;
	return 0;
}
