//! The `dcnc` binary: the command line lives in the library (`dcnc::cli`).

fn main() -> std::process::ExitCode {
    dcnc::cli::main()
}
