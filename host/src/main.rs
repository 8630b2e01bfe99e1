//! The `streamforge` command: parses the command line and runs it (see
//! `streamforge::cli`); an error is printed with its causes and exits 1.

fn main() {
    let cli = streamforge::cli::Cli::from_process_args();
    if let Err(err) = streamforge::cli::run(cli) {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}
