//! The evloop REPL: `cargo run --release` opens it.
//!
//! ```text
//! evloop [FILE] [--bail] [--no-color] [--no-history] [--budget N]
//! evloop --version | --help
//! ```
//!
//! Interactive when stdin is a terminal and no FILE is given; otherwise
//! commands are read line by line from FILE (`--script FILE` says the
//! same) or stdin and echoed after `> ` (see `repl/script.rs`), and the
//! exit status is 0 if every command succeeded, 1 if any failed.

fn main() -> std::process::ExitCode {
    evloop::console::Console::new().run_args(std::env::args().skip(1))
}
