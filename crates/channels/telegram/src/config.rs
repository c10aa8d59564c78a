//! `[channels.telegram]` in the bot file, and its validation.

use serde::Deserialize;

/// The public Bot API server.
pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

/// How updates reach the adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The adapter asks for updates with `getUpdates` long polling (no public address needed).
    #[default]
    Polling,
    /// Telegram POSTs updates to `public_url` + `webhook_path` on colloquy's HTTP server.
    Webhook,
}

/// What the bot answers in group chats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GroupMode {
    /// Only commands (`/help`, `/start@this_bot`), messages that mention the bot, and replies to the bot.
    #[default]
    MentionsAndCommands,
    /// Every text message the bot receives (needs privacy mode off in @BotFather).
    All,
    /// Nothing: groups are ignored.
    Ignore,
}

/// Telegram channel settings. Only `token_env` is required.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramConfig {
    /// Serve this channel.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Name of the environment variable that holds the bot token from @BotFather (the token itself never
    /// appears in the bot file or in logs).
    pub token_env: String,
    /// Bot API base URL; change it for a self-hosted Bot API server (or a test fake).
    #[serde(default = "default_api_url")]
    pub api_url: String,
    /// Long polling (default) or webhook.
    #[serde(default)]
    pub mode: Mode,
    /// URL path colloquy's HTTP server serves the webhook on (webhook mode).
    #[serde(default = "default_webhook_path")]
    pub webhook_path: String,
    /// Public HTTPS base URL Telegram reaches colloquy's server at; the webhook URL is this plus
    /// `webhook_path` (webhook mode, required there).
    #[serde(default)]
    pub public_url: Option<String>,
    /// Name of the environment variable holding the webhook secret token (1–256 characters of `A-Z a-z 0-9
    /// _ -`); Telegram sends it on every webhook request and requests without it get 401 (webhook mode,
    /// required there).
    #[serde(default)]
    pub secret_token_env: Option<String>,
    /// Seconds one `getUpdates` long poll waits for updates (polling mode; 1–50).
    #[serde(default = "default_poll_timeout")]
    pub poll_timeout_secs: u32,
    /// Updates fetched per `getUpdates` call (1–100).
    #[serde(default = "default_poll_limit")]
    pub poll_limit: u8,
    /// What the bot answers in groups.
    #[serde(default)]
    pub groups: GroupMode,
    /// Show "typing…" when a turn takes longer than this many milliseconds (0: never).
    #[serde(default = "default_typing_after_ms")]
    pub typing_after_ms: u64,
    /// On shutdown, how long to wait for turns and sends in progress before giving up on them (their
    /// updates are then not confirmed, so Telegram delivers them again after the restart).
    #[serde(default = "default_drain_secs")]
    pub drain_timeout_secs: u64,
}

fn yes() -> bool {
    true
}
fn default_api_url() -> String {
    DEFAULT_API_URL.into()
}
fn default_webhook_path() -> String {
    "/telegram/webhook".into()
}
fn default_poll_timeout() -> u32 {
    10
}
fn default_poll_limit() -> u8 {
    100
}
fn default_typing_after_ms() -> u64 {
    1000
}
fn default_drain_secs() -> u64 {
    10
}

impl TelegramConfig {
    /// A polling configuration with defaults that reads the token from `token_env`.
    pub fn new(token_env: impl Into<String>) -> Self {
        TelegramConfig {
            enabled: true,
            token_env: token_env.into(),
            api_url: default_api_url(),
            mode: Mode::Polling,
            webhook_path: default_webhook_path(),
            public_url: None,
            secret_token_env: None,
            poll_timeout_secs: default_poll_timeout(),
            poll_limit: default_poll_limit(),
            groups: GroupMode::default(),
            typing_after_ms: default_typing_after_ms(),
            drain_timeout_secs: default_drain_secs(),
        }
    }

    /// Checks the settings without any IO; returns every problem at once, each naming its key.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let key = |k: &str| format!("channels.telegram.{k}");
        if self.token_env.trim().is_empty() {
            problems.push(format!(
                "{}: name the environment variable that holds the bot token, e.g. \"TELEGRAM_BOT_TOKEN\"",
                key("token_env")
            ));
        }
        match url::Url::parse(&self.api_url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && !u.cannot_be_a_base() => {}
            _ => problems.push(format!(
                "{}: {:?} is not an http(s) URL; use {DEFAULT_API_URL} or your Bot API server's address",
                key("api_url"),
                self.api_url
            )),
        }
        if !(1..=50).contains(&self.poll_timeout_secs) {
            problems.push(format!(
                "{}: must be between 1 and 50 seconds, got {}",
                key("poll_timeout_secs"),
                self.poll_timeout_secs
            ));
        }
        if !(1..=100).contains(&self.poll_limit) {
            problems.push(format!(
                "{}: must be between 1 and 100, got {}",
                key("poll_limit"),
                self.poll_limit
            ));
        }
        if self.mode == Mode::Webhook {
            if !self.webhook_path.starts_with('/') {
                problems.push(format!(
                    "{}: must start with '/', got {:?}",
                    key("webhook_path"),
                    self.webhook_path
                ));
            }
            match self.public_url.as_deref().map(url::Url::parse) {
                None => problems.push(format!(
                    "{}: webhook mode needs the public https base URL Telegram can reach, e.g. \"https://bot.example.com\"",
                    key("public_url")
                )),
                Some(Ok(u)) if u.scheme() == "https" && !u.cannot_be_a_base() => {}
                Some(_) => problems.push(format!(
                    "{}: must be an https URL (Telegram only calls https webhooks)",
                    key("public_url")
                )),
            }
            if self
                .secret_token_env
                .as_deref()
                .is_none_or(|s| s.trim().is_empty())
            {
                problems.push(format!(
                    "{}: webhook mode needs the name of the environment variable holding the webhook secret",
                    key("secret_token_env")
                ));
            }
        }
        problems
    }

    /// The full webhook URL Telegram is told to call (webhook mode).
    pub fn webhook_url(&self) -> Option<String> {
        let base = self.public_url.as_deref()?.trim_end_matches('/');
        Some(format!("{base}{}", self.webhook_path))
    }
}

/// Whether `secret` is a valid Telegram webhook secret (1–256 of `A-Z a-z 0-9 _ -`).
pub fn valid_secret(secret: &str) -> bool {
    (1..=256).contains(&secret.len())
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_text: &str) -> Result<TelegramConfig, String> {
        toml::from_str::<TelegramConfig>(toml_text).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_are_polling_with_the_public_api() {
        let c = parse(r#"token_env = "TG_TOKEN""#).expect("valid");
        assert_eq!(c, TelegramConfig::new("TG_TOKEN"));
        assert_eq!(c.mode, Mode::Polling);
        assert_eq!(c.api_url, "https://api.telegram.org");
        assert!(c.validate().is_empty());
    }

    #[test]
    fn unknown_keys_and_missing_token_env_are_refused() {
        let e = parse("token_env = \"T\"\ntoken = \"123:abc\"").expect_err("unknown key");
        assert!(e.contains("unknown field `token`"), "{e}");
        let e = parse(r#"mode = "polling""#).expect_err("token_env required");
        assert!(e.contains("missing field `token_env`"), "{e}");
    }

    #[test]
    fn webhook_mode_reports_every_problem_at_once() {
        let c = parse(
            "token_env = \"T\"\nmode = \"webhook\"\nwebhook_path = \"hook\"\napi_url = \"nope\"\npoll_timeout_secs = 0",
        )
        .expect("parses");
        assert_eq!(
            c.validate(),
            [
                "channels.telegram.api_url: \"nope\" is not an http(s) URL; use https://api.telegram.org or your Bot API server's address",
                "channels.telegram.poll_timeout_secs: must be between 1 and 50 seconds, got 0",
                "channels.telegram.webhook_path: must start with '/', got \"hook\"",
                "channels.telegram.public_url: webhook mode needs the public https base URL Telegram can reach, e.g. \"https://bot.example.com\"",
                "channels.telegram.secret_token_env: webhook mode needs the name of the environment variable holding the webhook secret",
            ]
        );
        let ok = parse(
            "token_env = \"T\"\nmode = \"webhook\"\npublic_url = \"https://bot.example.com/\"\nsecret_token_env = \"S\"",
        )
        .expect("parses");
        assert!(ok.validate().is_empty());
        assert_eq!(
            ok.webhook_url().as_deref(),
            Some("https://bot.example.com/telegram/webhook")
        );
    }

    #[test]
    fn secrets_follow_telegrams_alphabet() {
        assert!(valid_secret("abc_DEF-123"));
        assert!(!valid_secret(""));
        assert!(!valid_secret("has space"));
        assert!(!valid_secret(&"a".repeat(257)));
    }
}
