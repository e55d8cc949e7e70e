//! evloop: a single-threaded async executor you can see inside.

#[allow(unsafe_code)]
pub(crate) mod sys;
