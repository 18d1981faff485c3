/*
 * What other modules, KEMI scripts and RPC clients call: the bind_sl API (the host's sl_api_t
 * over the Rust functions), KSR.sl.*, $ltt, and the statistics and sl.stats.
 */
#include "shim_host.h"

/* ---- statistics: counters of the group "sl", read from the shared block in Rust ---- */
static counter_val_t stat_value(counter_handle_t h, void *param)
{
	(void)h;
	return (counter_val_t)shim_rs->stat((int)(long)param);
}

int sl_shim_register_stat(const char *name, int index)
{
	counter_handle_t h;
	return counter_register(&h, "sl", name, 0, stat_value, (void *)(long)index,
				   "sl-rs reply statistic", 0) < 0 ? -1 : 0;
}

static const char *rpc_stats_doc[2] = {"Print reply statistics.", 0};

static void rpc_stats(rpc_t *rpc, void *c)
{
	void *st;
	const char *name;
	unsigned long value;
	int i;

	if (rpc->add(c, "{", &st) < 0)
		return;
	for (i = 0; shim_rs->rpc_field(i, &name, &value) == 0; i++) {
#ifdef SL_HOST_RPC_ULONG
		rpc->struct_add(st, "j", name, value);
#else
		rpc->struct_add(st, "d", name, value > INT_MAX ? INT_MAX : (int)value);
#endif
	}
}

rpc_export_t sl_shim_rpc[] = {
	{"sl.stats", rpc_stats, rpc_stats_doc, 0},
	{0, 0, 0, 0}
};

/* ---- $ltt(x|s|t) ---- */
static int pv_get_ltt(sip_msg_t *msg, pv_param_t *param, pv_value_t *res)
{
	const char *s;
	size_t len;
	str tag;

	if (msg == NULL || param == NULL
			|| shim_rs->reply_totag(msg, param->pvn.u.isname.name.n, &s, &len) < 0)
		return pv_get_null(msg, param, res);
	tag.s = (char *)s;
	tag.len = (int)len;
	return pv_get_strval(msg, param, res, &tag);
}

static int pv_parse_ltt_name(pv_spec_p sp, str *in)
{
	int key;

	if (sp == NULL || in == NULL || in->len <= 0)
		return -1;
	key = shim_rs->ltt_key(in->s, (size_t)in->len);
	if (key < 0)
		return -1;
	sp->pvp.pvn.type = PV_NAME_INTSTR;
	sp->pvp.pvn.u.isname.type = 0;
	sp->pvp.pvn.u.isname.name.n = key;
	return 0;
}

pv_export_t sl_shim_pvs[] = {
	{{"ltt", sizeof("ltt") - 1}, PVT_OTHER, pv_get_ltt, 0, pv_parse_ltt_name, 0, 0, 0},
	{{0, 0}, 0, 0, 0, 0, 0, 0, 0}
};

/* ---- the bind_sl API: the host's sl_api_t, over the Rust functions ---- */
static int api_zreply(struct sip_msg *msg, int code, char *reason)
{
	return shim_rs->api_reply(msg, code, reason, reason ? strlen(reason) : 0, NULL, 0);
}

static int api_sreply(struct sip_msg *msg, int code, str *reason)
{
	return shim_rs->api_reply(msg, code, reason ? reason->s : NULL,
			reason && reason->len > 0 ? (size_t)reason->len : 0, NULL, 0);
}

static int api_dreply(struct sip_msg *msg, int code, str *reason, str *tag)
{
	int has_tag = tag && tag->s;
	return shim_rs->api_reply(msg, code, reason ? reason->s : NULL,
			reason && reason->len > 0 ? (size_t)reason->len : 0, has_tag ? tag->s : NULL,
			has_tag && tag->len > 0 ? (size_t)tag->len : 0);
}

static int api_freply(struct sip_msg *msg, int code, str *reason)
{
	return shim_rs->api_send_reply(msg, code, reason ? reason->s : NULL,
			reason && reason->len > 0 ? (size_t)reason->len : 0, 0);
}

static int api_get_reply_totag(struct sip_msg *msg, str *tag)
{
	const char *s;
	size_t len;

	if (msg == NULL || tag == NULL || shim_rs->reply_totag(msg, SL_SHIM_TOTAG_AUTO, &s, &len) < 0)
		return -1;
	tag->s = (char *)s;
	tag->len = (int)len;
	return 1;
}

int shim_bind_sl(sl_api_t *api)
{
	if (!api) {
		LM_ERR("sl-rs: bind_sl: no API structure given\n");
		return -1;
	}
	api->zreply = api_zreply;
	api->sreply = api_sreply;
	api->dreply = api_dreply;
	api->freply = api_freply;
	api->get_reply_totag = api_get_reply_totag;
	api->register_cb = shim_register_callback;
	return 0;
}

/* ---- KEMI: KSR.sl.* ---- */
static int ki_send_reply(sip_msg_t *msg, int code, str *reason)
{
	return api_freply(msg, code, reason);
}

static int ki_send_reply_mode(sip_msg_t *msg, int code, str *reason, int mode)
{
	return shim_rs->api_send_reply(msg, code, reason ? reason->s : NULL,
			reason && reason->len > 0 ? (size_t)reason->len : 0, mode);
}

static int ki_sl_reply_error(sip_msg_t *msg)
{
	return shim_rs->sl_reply_error(msg, NULL, NULL);
}

#ifdef SL_HOST_SEND_REPLY_ERROR
static int ki_send_reply_error(sip_msg_t *msg)
{
	return shim_rs->send_reply_error(msg, NULL, NULL);
}
#endif

static int ki_sl_forward_reply(sip_msg_t *msg, str *code, str *reason)
{
	return shim_rs->api_forward_reply(msg, code ? code->s : NULL,
			code && code->len > 0 ? (size_t)code->len : 0, reason ? reason->s : NULL,
			reason && reason->len > 0 ? (size_t)reason->len : 0);
}

static sr_kemi_xval_t ltt_xval;

static sr_kemi_xval_t *ki_get_reply_totag(sip_msg_t *msg)
{
	const char *s;
	size_t len;

	memset(&ltt_xval, 0, sizeof(ltt_xval));
	if (shim_rs->reply_totag(msg, SL_SHIM_TOTAG_AUTO, &s, &len) < 0) {
		sr_kemi_xval_null(&ltt_xval, SR_KEMI_XVAL_NULL_NONE);
		return &ltt_xval;
	}
	ltt_xval.vtype = SR_KEMIP_STR;
	ltt_xval.v.s.s = (char *)s;
	ltt_xval.v.s.len = (int)len;
	return &ltt_xval;
}

/* clang-format off */
static sr_kemi_t sl_kemi_exports[] = {
	{ str_init("sl"), str_init("sl_send_reply"), SR_KEMIP_INT, api_sreply,
		{ SR_KEMIP_INT, SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE } },
	{ str_init("sl"), str_init("send_reply"), SR_KEMIP_INT, ki_send_reply,
		{ SR_KEMIP_INT, SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE } },
	{ str_init("sl"), str_init("send_reply_mode"), SR_KEMIP_INT, ki_send_reply_mode,
		{ SR_KEMIP_INT, SR_KEMIP_STR, SR_KEMIP_INT, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE } },
	{ str_init("sl"), str_init("sl_reply_error"), SR_KEMIP_INT, ki_sl_reply_error,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE } },
#ifdef SL_HOST_SEND_REPLY_ERROR
	{ str_init("sl"), str_init("send_reply_error"), SR_KEMIP_INT, ki_send_reply_error,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE } },
#endif
	{ str_init("sl"), str_init("sl_forward_reply"), SR_KEMIP_INT, ki_sl_forward_reply,
		{ SR_KEMIP_STR, SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE } },
	{ str_init("sl"), str_init("get_reply_totag"), SR_KEMIP_XVAL, ki_get_reply_totag,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE } },
	{ {0, 0}, {0, 0}, 0, NULL, { 0, 0, 0, 0, 0, 0 } }
};
/* clang-format on */

int sl_shim_kemi_register(void) { return sr_kemi_modules_add(sl_kemi_exports); }
