//! Declarations of `c_shim/sl_shim.h`: the host functions Rust may call. Nothing else in the
//! crate calls the host.
use core::ffi::{c_char, c_int, c_uint, c_void};
use core::marker::{PhantomData, PhantomPinned};

/// Kamailio's `struct sip_msg`, opaque: Rust never reads its fields (their layout depends on
/// the host's compile defines), only the shim does.
#[repr(C)]
pub struct sip_msg {
    _data: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

pub const SL_SHIM_ERR: c_int = 0;
pub const SL_SHIM_INFO: c_int = 2;
pub const SL_SHIM_DBG: c_int = 3;
pub const SL_SHIM_EVCB_FL_ACK: c_int = 0;
pub const SL_SHIM_EVCB_LRES_SENT: c_int = 1;
pub const SL_SHIM_TOTAG_AUTO: c_int = 0;
pub const SL_SHIM_TOTAG_STATELESS: c_int = 1;
pub const SL_SHIM_TOTAG_TM: c_int = 2;
pub const SL_SHIM_MARK_FINAL: c_int = 1;
pub const SL_SHIM_MARK_DELAYED: c_int = 2;
pub const SL_SHIM_VIA_AFTER_RPORT_OR_BRANCH: c_int = 1;
pub const SL_SHIM_REPLY_MARKS: c_int = 2;
pub const SL_SHIM_EMPTY_REASON_REFUSED: c_int = 4;
pub const SL_SHIM_LUMP_HDR: c_int = 1;
pub const SL_SHIM_LUMP_BODY: c_int = 2;
extern "C" {
    pub fn sl_shim_log(level: c_int, text: *const c_char, len: usize);
    pub fn sl_shim_log_enabled(level: c_int) -> c_int;
    pub fn sl_shim_sizeof_sip_msg() -> usize;
    pub fn sl_shim_sizeof_fparam() -> usize;
    pub fn sl_shim_msg_reply_marks(msg: *mut sip_msg) -> c_int;
    pub fn sl_shim_msg_mark_final_reply(msg: *mut sip_msg);
    pub fn sl_shim_host_features() -> c_int;
    pub fn sl_shim_parser_strict() -> c_int;
    pub fn sl_shim_via_params_flag() -> u64;
    pub fn sl_shim_via_extra(msg: *mut sip_msg, len: *mut usize) -> *const c_char;
    pub fn sl_shim_msg_force_rport(msg: *mut sip_msg) -> c_int;
    pub fn sl_shim_received_test(msg: *mut sip_msg) -> c_int;
    pub fn sl_shim_read_rest(msg: *mut sip_msg) -> c_int;
    pub fn sl_shim_src_ip(msg: *mut sip_msg, buf: *mut c_char, cap: usize) -> usize;
    pub fn sl_shim_reply_lump_next(
        msg: *mut sip_msg,
        cursor: *const c_void,
        text: *mut *const c_char,
        len: *mut usize,
        kind: *mut c_int,
    ) -> *const c_void;
    pub fn sl_shim_sip_warning() -> c_int;
    pub fn sl_shim_server_hdr(len: *mut usize) -> *const c_char;
    pub fn sl_shim_warning(msg: *mut sip_msg, len: *mut usize) -> *const c_char;
    pub fn sl_shim_send_reply(
        msg: *mut sip_msg,
        buf: *const c_char,
        len: usize,
        code: c_int,
        reason: *const c_char,
        rlen: usize,
        skip_events: c_int,
    ) -> c_int;
    pub fn sl_shim_ack_filtered(msg: *mut sip_msg);
    pub fn sl_shim_add_redirect_contacts(msg: *mut sip_msg);
    pub fn sl_shim_set_reply_flags(msg: *mut sip_msg, no_connect: c_int, close: c_int);
    pub fn sl_shim_tm_bind() -> c_int;
    pub fn sl_shim_tm_in_transaction() -> c_int;
    pub fn sl_shim_tm_reply_error(msg: *mut sip_msg) -> c_int;
    pub fn sl_shim_tm_reply(
        msg: *mut sip_msg,
        code: c_int,
        reason: *const c_char,
        len: usize,
    ) -> c_int;
    pub fn sl_shim_tm_totag(msg: *mut sip_msg, s: *mut *const c_char, len: *mut usize) -> c_int;
    pub fn sl_shim_reply_status(msg: *mut sip_msg) -> *const c_char;
    pub fn sl_shim_forward_reply(
        msg: *mut sip_msg,
        code: *const c_char,
        reason: *const c_char,
        rlen: usize,
    ) -> c_int;
    pub fn sl_shim_ticks() -> c_uint;
    pub fn sl_shim_s_to_ticks(seconds: c_uint) -> c_uint;
    pub fn sl_shim_prev_ser_error() -> c_int;
    pub fn sl_shim_shm_malloc(size: usize) -> *mut c_void;
    pub fn sl_shim_shm_free(p: *mut c_void);
    pub fn sl_shim_register_ack_filter() -> c_int;
    pub fn sl_shim_lookup_event_routes();
    pub fn sl_shim_child_init();
    pub fn sl_shim_destroy_callbacks();
    pub fn sl_shim_kemi_register() -> c_int;
    pub fn sl_shim_register_stat(name: *const c_char, index: c_int) -> c_int;
    pub fn sl_shim_first_socket(
        addr: *mut *const c_char,
        alen: *mut usize,
        port: *mut *const c_char,
        plen: *mut usize,
    ) -> c_int;
    pub fn sl_shim_fixup_int(param: *mut *mut c_void, param_no: c_int) -> c_int;
    pub fn sl_shim_fixup_str(param: *mut *mut c_void, param_no: c_int) -> c_int;
    pub fn sl_shim_get_int(msg: *mut sip_msg, fp: *mut c_void, out: *mut c_int) -> c_int;
    pub fn sl_shim_get_str(
        msg: *mut sip_msg,
        fp: *mut c_void,
        s: *mut *const c_char,
        len: *mut usize,
    ) -> c_int;
    pub fn sl_shim_fixup_spve(param: *mut *mut c_void, param_no: c_int) -> c_int;
    pub fn sl_shim_gparam_str_literal(
        gp: *mut c_void,
        s: *mut *const c_char,
        len: *mut usize,
    ) -> c_int;
    pub fn sl_shim_get_spve(
        msg: *mut sip_msg,
        gp: *mut c_void,
        s: *mut *const c_char,
        len: *mut usize,
    ) -> c_int;
    pub fn sl_shim_param_bind_tm() -> c_int;
    pub fn sl_shim_param_rich_redirect() -> c_int;
    pub fn sl_shim_param_event_callback(which: c_int, len: *mut usize) -> *const c_char;
    pub fn sl_shim_param_default_code() -> c_int;
    pub fn sl_shim_param_default_reason(len: *mut usize) -> *const c_char;
}
