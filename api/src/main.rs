use std::process::ExitCode;

use clap::Parser;

use api::config::{Cli, Command, UserCommand};
use api::startup::{App, build_state};

/// mimalloc instead of glibc's malloc: a GraphQL answer is thousands of small allocations,
/// and glibc's allocator took a quarter of the server's CPU on the signed-in feed (perf).
/// Built with `no_thp`: otherwise it asks for transparent huge pages for its arenas, and an
/// idle server held 14 MB of heap instead of 4 MB (20 MB more after 500 connections at once).
///
/// The feature `system-alloc` keeps glibc's malloc, for heap profilers that replace it
/// (`heaptrack`, see `bench/README.md`); never for a server in use.
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    memory::return_freed_memory_promptly();
    let cli = Cli::parse();
    api::telemetry::init(cli.config.log_format);
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    // Unoptimised builds make async-graphql's resolver futures several times larger than
    // release builds do: a debug server on PostgreSQL overflowed tokio's 2 MiB worker stack
    // at the first dashboard (the browser tests found it). Release servers keep the
    // default, which the `hostile` benchmark scenario and the fuzzers exercise.
    if cfg!(debug_assertions) {
        runtime.thread_stack_size(8 << 20);
    }
    let runtime = match runtime.build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: the async runtime did not start: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => App::build(config).await?.run_until_stopped().await,
        Command::Migrate => {
            // Needs no secret: only the schema changes.
            let db = api::db::connect(&config, Default::default(), api::db::Pool::Readers).await?;
            api::db::migrate(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::ExportSchema => {
            print!("{}", api::graphql::export_sdl());
            Ok(())
        }
        Command::User(command) => {
            let state = build_state(config).await?;
            let user = match command {
                UserCommand::Create {
                    phone,
                    password,
                    name,
                    role,
                    department,
                } => {
                    api::domain::users::service::create_from_cli(
                        &state.db,
                        &phone,
                        &password,
                        &name,
                        role.into(),
                        department.as_deref(),
                    )
                    .await?
                }
                UserCommand::Grant {
                    phone,
                    role,
                    department,
                } => {
                    api::domain::users::service::grant_from_cli(
                        &state.db,
                        &phone,
                        role.into(),
                        department.as_deref(),
                    )
                    .await?
                }
            };
            println!(
                "user {} ({}): roles {}",
                user.id, user.display_name, user.roles
            );
            Ok(())
        }
        Command::ImportPlan(args) => {
            let state = build_state(config).await?;
            // CSV in UTF-8 (with or without BOM) or GB18030/GBK, or an XLSX workbook.
            let csv = api::domain::plans::files::read_table_file(&args.file)?;
            let outcome = api::domain::plans::import(
                &state.writer,
                None,
                &api::domain::plans::ImportRequest {
                    title: args.title,
                    year: args.year,
                    issuer: args.issuer,
                    csv,
                    publish: args.publish,
                },
            )
            .await?;
            state.dashboards_changed().await;
            state.public_changed().await;
            for warning in &outcome.warnings {
                eprintln!("warning: {warning}");
            }
            println!(
                "plan {} imported: {} activities, {} warnings",
                outcome.plan.id,
                outcome.created_count,
                outcome.warnings.len()
            );
            Ok(())
        }
        Command::SeedDemo => {
            let state = build_state(config).await?;
            api::seed::seed_demo(&state).await?;
            println!("demo data loaded");
            Ok(())
        }
    }
}
