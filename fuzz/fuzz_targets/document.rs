//! Any bytes as a GraphQL request's document and variables, through the checks the
//! handler runs before anything executes: nothing may panic or overflow the stack.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = api::graphql::limits::parse_checked(&text);
    if let Ok(variables) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = api::graphql::limits::check_variables(&variables);
    }
});
