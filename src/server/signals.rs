//! SIGTERM and SIGINT ask for a graceful shutdown: the handler only sets a
//! flag, which the loop checks every turn (poll returns EINTR on a signal).

use std::sync::atomic::{AtomicBool, Ordering};

static SHUTDOWN: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_sig: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    SHUTDOWN.store(true, Ordering::SeqCst);
}

pub fn install() {
    for sig in [libc::SIGTERM, libc::SIGINT] {
        // SAFETY: `sigaction` is given a zero-initialised struct whose handler
        // is an `extern "C"` function that only performs an atomic store,
        // which is async-signal-safe. No other thread installs handlers.
        // Tested by tests/server.rs `sigterm_exits_cleanly`.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as *const () as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            sa.sa_flags = 0;
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// Forgets a signalled shutdown that could not be carried out.
pub fn clear_shutdown_request() {
    SHUTDOWN.store(false, Ordering::SeqCst);
}

pub fn shutdown_requested() -> bool {
    SHUTDOWN.load(Ordering::SeqCst)
}
