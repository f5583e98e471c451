//! Turns on the end-to-end test tier (`cfg(phib_e2e)`) when `PHIB_E2E=1`, as
//! `scripts/test` sets it. Under plain `cargo test` those tests are listed as ignored
//! with the reason, instead of silently passing.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(phib_e2e)");
    println!("cargo::rerun-if-env-changed=PHIB_E2E");
    if std::env::var("PHIB_E2E").as_deref() == Ok("1") {
        println!("cargo::rustc-cfg=phib_e2e");
    }
}
