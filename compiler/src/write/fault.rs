//! Fault injection, compiled only for unit tests: every step of a build that changes the file
//! system first calls [`point`]. A test arms a countdown; when it reaches zero the build stops
//! right there, as if killed: it returns [`WriteError::Injected`](super::WriteError) and runs no
//! cleanup, and the lock file stays. Outside tests [`point`] is a no-op.

use super::WriteError;

#[cfg(test)]
thread_local! {
    static COUNTDOWN: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
    static PASSED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    static CRASHED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static NO_EXCHANGE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Run at the point the countdown reaches zero instead of stopping there (a user writing
    /// during the build).
    static ACTION: std::cell::RefCell<Option<Box<dyn FnOnce()>>> = const { std::cell::RefCell::new(None) };
}

/// Whether to behave as on a file system without `renameat2` flags (tests of the fallback).
#[inline]
pub fn no_exchange() -> bool {
    #[cfg(test)]
    return NO_EXCHANGE.get();
    #[cfg(not(test))]
    false
}

#[cfg(test)]
pub fn set_no_exchange(on: bool) {
    NO_EXCHANGE.set(on);
}

/// A place where a kill could land.
#[inline]
pub fn point() -> Result<(), WriteError> {
    #[cfg(test)]
    {
        if CRASHED.get() {
            return Err(WriteError::Injected);
        }
        PASSED.set(PASSED.get() + 1);
        match COUNTDOWN.get() {
            Some(0) => {
                COUNTDOWN.set(None);
                if let Some(action) = ACTION.take() {
                    action();
                    return Ok(());
                }
                CRASHED.set(true);
                return Err(WriteError::Injected);
            }
            Some(n) => COUNTDOWN.set(Some(n - 1)),
            None => {}
        }
    }
    Ok(())
}

/// Whether the simulated kill happened (then nothing may touch the file system any more).
#[inline]
pub fn crashed() -> bool {
    #[cfg(test)]
    return CRASHED.get();
    #[cfg(not(test))]
    false
}

/// Arms the next build to stop after `after` points (`None`: run to the end) and resets the count.
#[cfg(test)]
pub fn arm(after: Option<usize>) {
    COUNTDOWN.set(after);
    ACTION.set(None);
    PASSED.set(0);
    CRASHED.set(false);
}

/// Arms the next build to run `action` after `after` points, and go on.
#[cfg(test)]
pub fn arm_action(after: usize, action: impl FnOnce() + 'static) {
    arm(Some(after));
    ACTION.set(Some(Box::new(action)));
}

/// How many points the build passed since [`arm`].
#[cfg(test)]
pub fn passed() -> usize {
    PASSED.get()
}
