//! `colloquy chat`: talk to the bot in this terminal, through the same runtime as the server.

use crate::args::ChatArgs;
use crate::serve::{open_store, runtime_config};
use crate::settings;
use colloquy_channel::Inbound;
use colloquy_runtime::{Supervisor, SystemClock};
use colloquy_store::{MemoryStore, SessionStore};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, BufReader};

/// Runs the REPL until end of input or `/quit`.
pub fn run(args: ChatArgs) -> anyhow::Result<ExitCode> {
    let settings = match settings::load(&args.config) {
        Ok(s) => s,
        Err(d) => {
            eprintln!("{d}");
            return Ok(ExitCode::from(2));
        }
    };
    let store: Arc<dyn SessionStore> = if args.persist {
        open_store(&settings.storage, &settings.storage.path)?
    } else {
        Arc::new(MemoryStore::default())
    };
    let config = runtime_config(&settings);
    let bot = settings.bot.clone();
    actix_rt::System::new().block_on(async move {
        let name = bot.name().to_owned();
        let supervisor = Supervisor::start(bot, store, config, Arc::new(SystemClock))?;
        let interactive = std::io::stdin().is_terminal();
        if interactive {
            println!("colloquy chat with `{name}` — type /quit to leave.");
        }
        let mut lines = BufReader::new(tokio::io::stdin()).lines();
        let mut n = 0u64;
        loop {
            if interactive {
                print!("you> ");
                let _ = std::io::stdout().flush();
            }
            let Some(line) = lines.next_line().await? else {
                break;
            };
            let text = line.trim();
            if text == "/quit" || text == "/exit" {
                break;
            }
            if text.is_empty() {
                continue;
            }
            n += 1;
            let inbound = Inbound {
                bot: name.clone(),
                channel: "console".into(),
                conversation: args.user.clone(),
                user: args.user.clone(),
                display_name: None,
                text: text.to_owned(),
                message_id: None,
                at_ms: 0,
                reply_to: None,
            };
            match supervisor.dispatch_message(inbound).await {
                Ok(reply) => {
                    for m in reply.messages {
                        println!("bot> {}", m.text);
                    }
                }
                Err(e) => println!("error> {e}"),
            }
        }
        tracing::debug!(messages = n, "chat ended");
        supervisor.flush()?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
