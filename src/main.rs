//! The `blockpress` binary: parse the command line, run, print errors.

use clap::Parser;

fn main() {
    let cli = blockpress::cli::Cli::parse();
    match blockpress::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(error) => {
            eprintln!("error: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            std::process::exit(1);
        }
    }
}
