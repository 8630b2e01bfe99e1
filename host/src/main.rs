use clap::Parser;

fn main() {
    let cli = streamforge::cli::Cli::parse();
    if let Err(err) = streamforge::cli::run(cli) {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}
