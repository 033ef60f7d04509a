//! The `datacard` binary: all behaviour lives in the library.

fn main() -> std::process::ExitCode {
    datacard::cli::main()
}
