/*
 * The other ways a reply leaves: through tm when it holds a transaction for the request, and
 * sl_forward_reply, which forwards a received reply statelessly.
 */
#include "shim_host.h"

/* ---- tm, when loaded and bind_tm is set ---- */
static struct tm_binds tmb;

int sl_shim_tm_bind(void)
{
	if (!shim_bind_tm)
		return 0;
	if (tmb.t_gett != NULL)
		return 1;
	if (find_module_by_name("tm") == NULL) /* no tm: no warning either */
		return 0;
	if (load_tm_api(&tmb) == -1) {
		memset(&tmb, 0, sizeof(tmb));
		return 0;
	}
	return 1;
}

int sl_shim_tm_in_transaction(void)
{
	struct cell *t;

	if (!shim_bind_tm || tmb.t_gett == NULL)
		return 0;
	t = tmb.t_gett();
	return t != NULL && t != T_UNDEFINED;
}

int sl_shim_tm_reply(struct sip_msg *msg, int code, const char *reason, size_t len)
{
	char *r;
	int ret;

	r = (char *)pkg_malloc(len + 1); /* t_reply takes a NUL-terminated reason */
	if (r == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	memcpy(r, reason, len);
	r[len] = '\0';
	ret = tmb.t_reply(msg, code, r);
	pkg_free(r);
	return ret < 0 ? -1 : 0;
}

int sl_shim_tm_reply_error(struct sip_msg *msg)
{
#ifdef SL_HOST_SEND_REPLY_ERROR
	/* as 6.0's own send_reply_error: tm first (it looks the transaction up itself) */
	return shim_bind_tm && tmb.t_reply_error != NULL && tmb.t_reply_error(msg) > 0;
#else
	(void)msg;
	return 0;
#endif
}

int sl_shim_tm_totag(struct sip_msg *msg, const char **s, size_t *len)
{
	str tag = STR_NULL;

	if (tmb.t_get_reply_totag == NULL || tmb.t_get_reply_totag(msg, &tag) < 0 || !tag.s)
		return -1;
	*s = tag.s;
	*len = tag.len > 0 ? (size_t)tag.len : 0;
	return 0;
}

/* ---- sl_forward_reply ---- */
int sl_shim_forward_reply(struct sip_msg *msg, const char *code, const char *reason,
		size_t rlen)
{
	char old[3];
	unsigned int oldcode = msg->first_line.u.reply.statuscode;
	char *status = msg->first_line.u.reply.status.s;
	struct lump *ldel = NULL;
	char *rbuf;
	int ret = -1;

	memcpy(old, status, 3);
	if (code) {
		/* the new code goes into the buffer in place, and back after forwarding */
		memcpy(status, code, 3);
		msg->first_line.u.reply.statuscode =
				(code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
	}
	if (rlen > 0) {
		ldel = del_lump(msg, msg->first_line.u.reply.reason.s - msg->buf,
				msg->first_line.u.reply.reason.len, 0);
		if (ldel == NULL) {
			LM_ERR("sl-rs: sl_forward_reply: cannot replace the reason\n");
			goto restore;
		}
		rbuf = (char *)pkg_malloc(rlen);
		if (rbuf == NULL) {
			PKG_MEM_ERROR;
			goto restore;
		}
		memcpy(rbuf, reason, rlen);
		if (insert_new_lump_after(ldel, rbuf, (int)rlen, 0) == NULL) {
			LM_ERR("sl-rs: sl_forward_reply: cannot replace the reason\n");
			pkg_free(rbuf);
			goto restore;
		}
	}
	ret = forward_reply_nocb(msg) < 0 ? -1 : 0;
restore:
	if (ldel)
		remove_lump(msg, ldel); /* frees the inserted lump with it */
	memcpy(status, old, 3);
	msg->first_line.u.reply.statuscode = oldcode;
	return ret;
}
