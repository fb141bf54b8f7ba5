//! `cargo run -p migration -- up | down | status | fresh`, like the Flask lab's `flask db upgrade`
//! (`docs/functional-spec.md`).

#[tokio::main]
async fn main() {
    // Same default as the server, so the CLI and the app agree on which file they touch.
    if std::env::var_os("DATABASE_URL").is_none() {
        std::env::set_var("DATABASE_URL", migration::DEFAULT_DATABASE_URL);
    }
    sea_orm_migration::cli::run_cli(migration::Migrator).await;
}
