//! [`build`]: a ready adapter from the bot file's settings and the environment.

use crate::adapter::{Shared, TelegramChannel};
use crate::config::{Mode, TelegramConfig, valid_secret};
use colloquy_channel::ChannelError;
use std::sync::Arc;
use std::time::Duration;

/// Room on top of the long-poll timeout before the HTTP client gives up on a request.
const REQUEST_SLACK: Duration = Duration::from_secs(10);

/// Builds the Telegram adapter for bot `bot_name`. Reads the token (and the webhook secret) from the
/// environment variables named in `config` through `env`; values are never logged. No network IO here:
/// the token is checked against the API when the adapter runs (`getMe`).
pub fn build(
    bot_name: &str,
    config: TelegramConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Arc<TelegramChannel>, ChannelError> {
    let mut problems = config.validate();
    let token = env(&config.token_env)
        .map(|t| t.trim().to_owned())
        .unwrap_or_default();
    if token.is_empty() {
        problems.push(format!(
            "channels.telegram.token_env: the environment variable {} is not set; put the bot token from @BotFather there",
            config.token_env
        ));
    } else if !plausible_token(&token) {
        problems.push(format!(
            "channels.telegram.token_env: the value of {} does not look like a bot token (digits, ':', then letters, digits, '_' or '-')",
            config.token_env
        ));
    }
    let mut secret = None;
    if config.mode == Mode::Webhook
        && let Some(name) = config.secret_token_env.as_deref()
    {
        match env(name).map(|s| s.trim().to_owned()) {
            Some(s) if valid_secret(&s) => secret = Some(s),
            Some(_) => problems.push(format!(
                "channels.telegram.secret_token_env: the value of {name} must be 1-256 characters of A-Z a-z 0-9 _ -"
            )),
            None => problems.push(format!(
                "channels.telegram.secret_token_env: the environment variable {name} is not set"
            )),
        }
    }
    let api_url = url::Url::parse(&config.api_url).ok();
    let (Some(api_url), true) = (api_url, problems.is_empty()) else {
        return Err(ChannelError::Config(problems.join("; ")));
    };
    let client = teloxide::net::default_reqwest_settings()
        .timeout(Duration::from_secs(config.poll_timeout_secs.into()) + REQUEST_SLACK)
        .build()
        .map_err(|e| ChannelError::Config(format!("cannot create the HTTP client: {e}")))?;
    let api = teloxide::Bot::with_client(token.clone(), client).set_api_url(api_url);
    Ok(Arc::new(TelegramChannel {
        shared: Arc::new(Shared::new(bot_name.to_owned(), config, api, token, secret)),
    }))
}

/// Bot tokens look like `123456:ABC-def_ghi`; anything else would also break the request URL.
fn plausible_token(token: &str) -> bool {
    match token.split_once(':') {
        Some((id, key)) => {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && !key.is_empty()
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn token_comes_from_the_named_variable_and_debug_hides_it() {
        let env = env_with(&[("TG", "123456:SECRET-token_value")]);
        let channel = build("fb", TelegramConfig::new("TG"), &env).expect("builds");
        let shown = format!("{channel:?}");
        assert!(!shown.contains("SECRET-token_value"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert_eq!(
            channel
                .shared
                .redact("url /bot123456:SECRET-token_value/GetMe"),
            "url /bot<redacted>/GetMe"
        );
    }

    #[test]
    fn missing_or_malformed_values_are_reported_without_echoing_them() {
        let err = build("fb", TelegramConfig::new("TG"), &env_with(&[])).expect_err("no token");
        assert_eq!(
            err.to_string(),
            "channel configuration: channels.telegram.token_env: the environment variable TG is not set; put the bot token from @BotFather there"
        );
        let err = build(
            "fb",
            TelegramConfig::new("TG"),
            &env_with(&[("TG", "not a token")]),
        )
        .expect_err("bad token");
        assert!(!err.to_string().contains("not a token"), "{err}");
        let mut webhook = TelegramConfig::new("TG");
        webhook.mode = Mode::Webhook;
        webhook.public_url = Some("https://bot.example.com".into());
        webhook.secret_token_env = Some("SECRET".into());
        let err = build(
            "fb",
            webhook.clone(),
            &env_with(&[("TG", "1:a"), ("SECRET", "bad secret!")]),
        )
        .expect_err("bad secret");
        assert!(
            err.to_string().contains("must be 1-256 characters"),
            "{err}"
        );
        let ok = build(
            "fb",
            webhook,
            &env_with(&[("TG", "1:a"), ("SECRET", "s3cret")]),
        )
        .expect("ok");
        assert!(ok.webhook().is_some());
    }

    #[test]
    fn the_line_colloquy_run_registers_compiles_and_reads_the_process_environment() {
        use colloquy_channel::Channel;
        /// The constructor shape `crates/cli/src/channels.rs` registers adapters with.
        type Constructor = fn(&str, TelegramConfig) -> Result<Arc<dyn Channel>, ChannelError>;
        let constructor: Constructor =
            |bot, config| Ok(build(bot, config, &|name| std::env::var(name).ok())?);
        let built = constructor(
            "fb",
            TelegramConfig::new("COLLOQUY_TEST_VARIABLE_NOBODY_SETS"),
        );
        let Err(err) = built else {
            panic!("built without the token variable");
        };
        assert!(
            err.to_string()
                .contains("COLLOQUY_TEST_VARIABLE_NOBODY_SETS is not set"),
            "{err}"
        );
    }
}
