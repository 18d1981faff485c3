//! cargo-fuzz target: see `sl_rs::fuzzing::dialog` for the properties checked.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sl_rs::fuzzing::dialog(data));
