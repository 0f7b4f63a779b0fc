//! The `uniffi-bindgen` command, built from the same uniffi version as the library it reads.
//! Separate crate so that clap and the generators never end up in the shipped cdylib.

fn main() {
    uniffi::uniffi_bindgen_main()
}
