//! Build script.
//! 1. Always: generate the C API header from `src/capi.rs` with cbindgen into `OUT_DIR`
//!    (`tests/generated_fresh.rs` compares it with the committed `include/sl_rs.h`).
//! 2. Feature `kamailio`: compile the C shim (`c_shim/*.c`) against the host's headers with the host's
//!    own compile defines; generate Rust types for the host structs Rust touches
//!    (`struct module_exports`, `struct sip_msg`...) with bindgen, from the same headers and
//!    defines; and generate the Rust side of `c_shim/sl_shim.h` (the shim's functions and the
//!    table of Rust entries it calls), so neither side retypes the other.
//!
//! Inputs for 2, set by the Makefile (`make module`): `KAMAILIO_SRC` (a Kamailio source tree
//! of the installed version) and `KAMAILIO_CDEFS` (its `make printcdefs` output plus the defines
//! Debian adds; `scripts/host-cdefs.sh` derives and checks them).
use std::env;
use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let crate_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=src/capi.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is valid");
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/capi.rs"))
        .generate()
        .expect("cbindgen can read src/capi.rs")
        .write_to_file(out.join("sl_rs.h"));

    if env::var_os("CARGO_FEATURE_KAMAILIO").is_some() {
        host::build(&crate_dir, &out);
    }
}

mod host {
    use std::env;
    use std::path::{Path, PathBuf};

    fn required(var: &str) -> String {
        println!("cargo:rerun-if-env-changed={var}");
        env::var(var).unwrap_or_else(|_| {
            panic!("feature `kamailio` needs {var}; build with `make module` (it fetches the host's source and sets it)")
        })
    }

    /// Splits `-DNAME=value` words, keeping quoted values whole (`-DCOMPILER="gcc 12.2.0"`).
    fn defines(cdefs: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut cur = String::new();
        let mut quoted = false;
        for ch in cdefs.chars() {
            match ch {
                '"' => {
                    quoted = !quoted;
                    cur.push(ch);
                }
                c if c.is_whitespace() && !quoted => {
                    if !cur.is_empty() {
                        words.push(std::mem::take(&mut cur));
                    }
                }
                c => cur.push(c),
            }
        }
        if !cur.is_empty() {
            words.push(cur);
        }
        words
    }

    /// The C shim: its sources and the headers they include (`sl_shim.c` says what each holds).
    const SHIM_FILES: [&str; 6] = [
        "sl_shim.c",
        "send.c",
        "tm.c",
        "api.c",
        "shim_host.h",
        "sl_shim.h",
    ];

    pub fn build(crate_dir: &Path, out: &Path) {
        let src = PathBuf::from(required("KAMAILIO_SRC")).join("src");
        let cdefs = defines(&required("KAMAILIO_CDEFS"));
        let mut cc = cc::Build::new();
        for file in SHIM_FILES {
            println!("cargo:rerun-if-changed=c_shim/{file}");
            if file.ends_with(".c") {
                cc.file(crate_dir.join("c_shim").join(file));
            }
        }
        cc.include(&src)
            .include(crate_dir.join("c_shim"))
            .define("MOD_NAME", "\"sl\"")
            .flag("-pthread")
            // Log lines and debug info name c_shim/send.c and core/forward.h, as Kamailio's
            // own modules do, not the build machine's folders.
            .flag(format!("-ffile-prefix-map={}/=", crate_dir.display()))
            .flag(format!("-ffile-prefix-map={}/=", src.display()))
            .warnings(true)
            .warnings_into_errors(true)
            .extra_warnings(false);
        for d in &cdefs {
            cc.flag(d);
        }
        cc.compile("sl_shim");

        // The exports table Rust fills in; what its fields point at stays opaque
        // (src/ffi/exports.rs).
        let exports = bindgen_over(crate_dir, &src, &cdefs, "host_types.h")
            .allowlist_type("module_exports|init_function|child_init_function|destroy_function|response_function")
            .allowlist_var("DEFAULT_DLFLAGS")
            .allowlist_recursively(false)
            .derive_copy(false);
        write_bindings(exports, &out.join("host_bindings.rs"));
        // The parsed message Rust reads (src/ffi/msg.rs): the first line, the header list, the
        // first Via and the To, the flags, the reply lumps; and the script parameters our
        // fixups make (src/ffi/param.rs).
        let msg = bindgen_over(crate_dir, &src, &cdefs, "msg_types.h")
            .allowlist_type(
                "sip_msg|hdr_field|via_body|via_param|to_body|cseq_body|sip_protos|request_method|fparam|lump_rpl|send_flags",
            )
            .allowlist_var("SIP_RE(QUEST|PLY)|FL_MSG_NOREPLY|FL_FORCE_RPORT|FPARAM_INT|FPARAM_STR|LUMP_RPL_(HDR|BODY)")
            // What a parameter of another kind points at is never read.
            .opaque_type("re_pattern_buffer|select|subst_expr|_pv_spec|_pv_elem")
            .derive_default(false);
        write_bindings(msg, &out.join("msg_bindings.rs"));
        // The contract with the shim, both ways (src/ffi/shim.rs): its functions, and the table
        // of Rust entries it calls. sl_shim.h includes no host header; `struct sip_msg` is the
        // one above.
        let shim = bindgen::Builder::default()
            .header(crate_dir.join("c_shim/sl_shim.h").to_string_lossy())
            .allowlist_function("sl_shim_.*")
            .allowlist_type("sl_entries|sl_shim_.*")
            .allowlist_var("sl_shim_module_.*")
            .blocklist_type("sip_msg")
            .prepend_enum_name(false)
            .use_core()
            .layout_tests(true)
            .derive_debug(false);
        write_bindings(shim, &out.join("shim_bindings.rs"));
    }

    /// bindgen over one header of `c_shim/`, with the host's include path and defines.
    fn bindgen_over(
        crate_dir: &Path,
        src: &Path,
        cdefs: &[String],
        header: &str,
    ) -> bindgen::Builder {
        bindgen::Builder::default()
            .header(crate_dir.join("c_shim").join(header).to_string_lossy())
            .clang_arg(format!("-I{}", src.display()))
            .clang_arg("-DMOD_NAME=\"sl\"")
            .clang_args(cdefs)
            .layout_tests(true)
            .derive_debug(false)
    }

    fn write_bindings(b: bindgen::Builder, to: &Path) {
        b.generate()
            .expect("bindgen can read the host's headers (is libclang installed? make deps)")
            .write_to_file(to)
            .expect("OUT_DIR is writable");
    }
}
