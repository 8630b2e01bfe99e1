fn main() {
    let cli = streamforge::cli::Cli::from_process_args();
    if let Err(err) = streamforge::cli::run(cli) {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}
