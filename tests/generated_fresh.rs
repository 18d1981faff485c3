//! The committed C header must equal what cbindgen generates from src/capi.rs now.
#[test]
fn include_header_is_up_to_date() {
    let fresh = include_str!(concat!(env!("OUT_DIR"), "/sl_rs.h"));
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/sl_rs.h"))
            .expect("include/sl_rs.h is committed");
    assert!(
        fresh == committed,
        "include/sl_rs.h is stale: run `make header` and commit it"
    );
}
