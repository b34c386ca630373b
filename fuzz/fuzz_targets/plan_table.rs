//! Any bytes as a plan table: the importer's parser must answer rows, warnings or an
//! error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = api::domain::plans::parse::parse_plan_csv(&text, 2022);
});
