//! Where the property tests of a folder test target (`tests/<name>/main.rs`) keep
//! their failing cases. Including this module
//! (`#[path = "../support/proptest_regressions.rs"] mod proptest_regressions;`) and
//! wrapping a `proptest_config` in [`beside_source`] keeps them next to the file
//! that defines the tests.
//!
//! proptest's default walks up from the test's source file to the nearest folder
//! holding a `lib.rs` or `main.rs` and saves beside that folder: for
//! `tests/otp/properties.rs`, `tests/proptest-regressions/properties.txt`, a name
//! every folder's `properties.rs` would share. Beside the source file it is
//! `tests/otp/properties.proptest-regressions`, as for a single-file target.

use proptest::test_runner::{Config, FileFailurePersistence};

/// `config`, with failures saved in `<source file stem>.proptest-regressions` next
/// to the source file of the failing test.
pub(crate) fn beside_source(config: Config) -> Config {
    Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..config
    }
}
