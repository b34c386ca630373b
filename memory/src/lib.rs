//! How the server's memory is allocated, beyond choosing mimalloc (`api`'s main.rs).
//!
//! - **SQLite allocates through mimalloc.** SQLite calls `malloc` unless told otherwise,
//!   so its connections (page caches, schemas, prepared statements, the sorts of a cold
//!   dashboard) lived in glibc's heaps: one arena per connection thread, 15–16 MB at the
//!   benchmark's peak, kept after use. Through mimalloc that memory is one heap with the
//!   rest, and goes back to the system when it is free.
//! - **Freed memory goes back after 10 ms** ([`PURGE_DELAY_MS`]), not after mimalloc 3's
//!   default of a second: a thread that freed memory and then sits idle (a SQLite
//!   connection after a cold dashboard's sorts) purged it only when it allocated again.
//!
//! Written here because no crate does either: `SQLITE_CONFIG_MALLOC` takes a table of five
//! C functions, each a line over mimalloc's own, and mimalloc's options are one C call.
//! The workspace forbids unsafe code; this crate is the one place that needs it.

use core::ffi::{c_int, c_void};
use std::sync::OnceLock;

use libmimalloc_sys as mi;
use libsqlite3_sys as sqlite;

/// Points SQLite's allocator at mimalloc, once per process; later calls return the first
/// one's result. It must come before SQLite is first used: afterwards SQLite refuses the
/// change (`SQLITE_MISUSE`) and keeps `malloc`, which is returned as the error.
///
/// Call it before any SQLite connection is opened, from the only place that opens them:
/// SQLite requires that no other thread use it while its configuration changes, and the
/// lock of the `OnceLock` holds back only callers of this function.
pub fn sqlite_through_mimalloc() -> Result<(), c_int> {
    static RESULT: OnceLock<c_int> = OnceLock::new();
    let rc = *RESULT.get_or_init(|| {
        let methods = sqlite::sqlite3_mem_methods {
            xMalloc: Some(malloc),
            xFree: Some(free),
            xRealloc: Some(realloc),
            xSize: Some(size),
            xRoundup: Some(roundup),
            xInit: Some(init),
            xShutdown: Some(shutdown),
            pAppData: core::ptr::null_mut(),
        };
        // SAFETY: SQLITE_CONFIG_MALLOC takes one argument, a pointer to the table, which
        // SQLite copies before returning (https://sqlite.org/c3ref/c_config_covering_index_scan.html),
        // so a local table is enough. Each function obeys sqlite3_mem_methods' contract.
        unsafe {
            sqlite::sqlite3_config(
                sqlite::SQLITE_CONFIG_MALLOC,
                &methods as *const sqlite::sqlite3_mem_methods,
            )
        }
    });
    if rc == sqlite::SQLITE_OK {
        Ok(())
    } else {
        Err(rc)
    }
}

/// How long mimalloc keeps memory freed before it returns it to the system (v2's
/// default). 0 returns at once, with a system call for each page freed under load; the
/// benchmark's SQLite peak was 79 MB with 10 ms, 86 MB with mimalloc 3's 1,000 ms.
pub const PURGE_DELAY_MS: i64 = 10;

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_t` (mimalloc.h); libmimalloc-sys
/// names the options around it but not this one.
const MI_OPTION_PURGE_DELAY: mi::mi_option_t = 15;

/// Sets [`PURGE_DELAY_MS`], unless `MIMALLOC_PURGE_DELAY` in the environment chose
/// another delay. Returns the delay in force.
pub fn return_freed_memory_promptly() -> i64 {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mimalloc's options may be set at any time from any thread; the value is
        // read when memory is freed.
        unsafe { mi::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS as _) };
    }
    // SAFETY: reading an option has no precondition.
    unsafe { mi::mi_option_get(MI_OPTION_PURGE_DELAY) as i64 }
}

/// What SQLite holds now (bytes) and the most it held at once since the process started:
/// its connections' page caches, schemas, prepared statements and sorts.
pub fn sqlite_memory_used() -> (i64, i64) {
    // SAFETY: both read SQLite's memory statistics; neither takes a pointer.
    unsafe {
        (
            sqlite::sqlite3_memory_used(),
            sqlite::sqlite3_memory_highwater(0),
        )
    }
}

/// SQLite asks only for sizes it rounded with [`roundup`], always above zero.
unsafe extern "C" fn malloc(bytes: c_int) -> *mut c_void {
    let Ok(bytes) = usize::try_from(bytes) else {
        return core::ptr::null_mut();
    };
    // SAFETY: mi_malloc takes any size; its blocks are aligned to 16 bytes (SQLite needs 8).
    unsafe { mi::mi_malloc(bytes) }
}

unsafe extern "C" fn free(block: *mut c_void) {
    // SAFETY: SQLite frees only blocks it got from `malloc` or `realloc` above, never null.
    unsafe { mi::mi_free(block) }
}

/// A size of zero must change nothing (the contract): SQLite never asks for it.
unsafe extern "C" fn realloc(block: *mut c_void, bytes: c_int) -> *mut c_void {
    match usize::try_from(bytes) {
        Ok(bytes) if bytes > 0 => {
            // SAFETY: `block` came from `malloc` or `realloc` above (SQLite's contract).
            unsafe { mi::mi_realloc(block, bytes) }
        }
        _ => core::ptr::null_mut(),
    }
}

unsafe extern "C" fn size(block: *mut c_void) -> c_int {
    // SAFETY: `block` came from `malloc` or `realloc` above and is still allocated.
    let usable = unsafe { mi::mi_usable_size(block) };
    c_int::try_from(usable).unwrap_or(c_int::MAX)
}

unsafe extern "C" fn roundup(bytes: c_int) -> c_int {
    let Ok(wanted) = usize::try_from(bytes) else {
        return bytes;
    };
    // SAFETY: mi_good_size only computes a size class.
    let good = unsafe { mi::mi_good_size(wanted) };
    c_int::try_from(good).unwrap_or(bytes)
}

unsafe extern "C" fn init(_: *mut c_void) -> c_int {
    sqlite::SQLITE_OK
}

unsafe extern "C" fn shutdown(_: *mut c_void) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_memory_goes_back_after_ten_milliseconds() {
        // SAFETY: reading an option has no precondition.
        let before = unsafe { mi::mi_option_get(MI_OPTION_PURGE_DELAY) };
        match std::env::var("MIMALLOC_PURGE_DELAY") {
            // The operator's choice stands.
            Ok(chosen) => assert_eq!(return_freed_memory_promptly().to_string(), chosen),
            Err(_) => {
                assert_eq!(
                    before, 1000,
                    "mimalloc 3's default: the option's index is right"
                );
                assert_eq!(return_freed_memory_promptly(), PURGE_DELAY_MS);
            }
        }
    }

    #[test]
    fn sqlite_allocates_through_mimalloc() {
        sqlite_through_mimalloc().expect("SQLite accepts the allocator before its first use");
        // SAFETY: a block from SQLite's allocator, grown, measured and given back to it.
        unsafe {
            let block = sqlite::sqlite3_malloc(100);
            assert!(!block.is_null());
            let block = sqlite::sqlite3_realloc(block, 5000);
            assert!(!block.is_null());
            assert!(sqlite::sqlite3_msize(block) >= 5000);
            assert!(sqlite_memory_used().0 >= 5000, "SQLite counts the block");
            assert!(mi::mi_is_in_heap_region(block), "the block is mimalloc's");
            sqlite::sqlite3_free(block);
        }
        // A second call does not reach SQLite (which would refuse it now that it is in
        // use): the first one's result is kept.
        assert_eq!(sqlite_through_mimalloc(), Ok(()));
    }
}
