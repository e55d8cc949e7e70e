//! What a test body returns, and what counts as failing.

use std::fmt::Debug;

/// The output of a test body: `()`, or a `Result` whose `Err` fails the
/// test (as `#[test]` functions may return `Result`).
pub trait TestOutcome {
    /// `Err(message)` if the body reported failure.
    ///
    /// # Errors
    ///
    /// The `Debug` form of the body's error.
    fn into_result(self) -> Result<(), String>;
}

impl TestOutcome for () {
    fn into_result(self) -> Result<(), String> {
        Ok(())
    }
}

impl<E: Debug> TestOutcome for Result<(), E> {
    fn into_result(self) -> Result<(), String> {
        self.map_err(|e| format!("the test returned Err({e:?})"))
    }
}

/// Fixes an async block's output type (used by `#[evloop::test]` so that
/// `?` inside the body knows which error type to convert to).
#[doc(hidden)]
pub fn typed<T, F: std::future::Future<Output = T>>(future: F) -> F {
    future
}
