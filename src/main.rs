use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = tokenfare::cli::Cli::parse();
    let format = cli.log_format;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| format.default_filter().into());
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let subscriber = format.subscriber(filter, std::io::stderr, ansi);
    // Only fails when a subscriber is already set, which nothing before this line does.
    let _ = tracing::subscriber::set_global_default(subscriber);
    match tokenfare::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
