//! `[channels.discord]` in the bot file: serde structs, then a pure [`DiscordConfig::validate`].

use serde::Deserialize;

/// Discord's own REST base; anything else is treated as a proxy (a local fake in tests).
pub const DISCORD_API: &str = "https://discord.com";

/// Discord channel settings.
///
/// ```toml
/// [channels.discord]
/// token_env = "DISCORD_TOKEN"
/// channels = ["123456789012345678"]   # guild channels where the bot answers without a mention
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordConfig {
    /// Name of the environment variable that holds the bot token (the token itself never goes in TOML).
    pub token_env: String,
    /// REST base URL. Default `https://discord.com`; another value sends every REST call (including the
    /// gateway lookup) there instead — for an HTTP proxy, or a local fake in tests.
    #[serde(default = "default_api_url")]
    pub api_url: String,
    /// Guild channel ids where the bot answers every message; elsewhere in guilds it answers only when
    /// mentioned. Direct messages are always answered.
    #[serde(default)]
    pub channels: Vec<Snowflake>,
    /// Gateway intents to request. Default: all three the adapter uses.
    #[serde(default = "default_intents")]
    pub intents: Vec<Intent>,
    /// How quick replies are shown.
    #[serde(default)]
    pub quick_replies: QuickReplyStyle,
    /// Milliseconds shutdown waits for replies already being sent.
    #[serde(default = "default_drain_ms")]
    pub drain_timeout_ms: u64,
}

/// A Discord id, written in TOML as a string (`"1234"`, as Discord shows it) or an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "SnowflakeRepr")]
pub struct Snowflake(pub u64);

/// The two ways an id may be written.
#[derive(Deserialize)]
#[serde(untagged)]
enum SnowflakeRepr {
    /// `123`
    Number(u64),
    /// `"123"`
    Text(String),
}

impl TryFrom<SnowflakeRepr> for Snowflake {
    type Error = String;
    fn try_from(r: SnowflakeRepr) -> Result<Self, String> {
        match r {
            SnowflakeRepr::Number(n) => Ok(Snowflake(n)),
            SnowflakeRepr::Text(s) => s.trim().parse().map(Snowflake).map_err(|_| {
                format!("`{s}` is not a Discord id (digits only, e.g. \"123456789012345678\")")
            }),
        }
    }
}

/// Gateway intents the adapter knows how to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Messages in direct messages with the bot.
    DirectMessages,
    /// Messages in guild channels.
    GuildMessages,
    /// The text of guild messages that do not mention the bot (privileged: enable it in the developer
    /// portal). Without it the bot still sees DMs and messages that mention it.
    MessageContent,
}

/// How quick replies are rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuickReplyStyle {
    /// Buttons under the last message; a click is handled as if the user typed the label.
    #[default]
    Buttons,
    /// A numbered list appended to the last message's text.
    Numbered,
}

fn default_api_url() -> String {
    DISCORD_API.to_owned()
}

fn default_intents() -> Vec<Intent> {
    vec![
        Intent::DirectMessages,
        Intent::GuildMessages,
        Intent::MessageContent,
    ]
}

fn default_drain_ms() -> u64 {
    5_000
}

/// One problem in `[channels.discord]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `token_env` is empty or not a plausible variable name.
    #[error(
        "channels.discord.token_env: `{0}` is not an environment variable name (e.g. \"DISCORD_TOKEN\")"
    )]
    TokenEnvName(String),
    /// `api_url` is not an http(s) URL.
    #[error("channels.discord.api_url: `{0}` must start with http:// or https://")]
    ApiUrl(String),
    /// Neither messages intent is requested: the bot would never see a message.
    #[error(
        "channels.discord.intents: add \"direct_messages\" or \"guild_messages\", or the bot never sees a message"
    )]
    NoMessageIntent,
    /// `channels` lists guild channels but guild messages are not requested.
    #[error("channels.discord.channels: listed channels need the \"guild_messages\" intent")]
    ChannelsWithoutGuildIntent,
}

impl DiscordConfig {
    /// A config with defaults and the given token variable.
    pub fn new(token_env: impl Into<String>) -> Self {
        DiscordConfig {
            token_env: token_env.into(),
            api_url: default_api_url(),
            channels: Vec::new(),
            intents: default_intents(),
            quick_replies: QuickReplyStyle::default(),
            drain_timeout_ms: default_drain_ms(),
        }
    }

    /// Checks the settings without IO; returns every problem at once.
    pub fn validate(&self) -> Result<(), Vec<ConfigError>> {
        let mut errors = Vec::new();
        let name_ok = !self.token_env.is_empty()
            && self
                .token_env
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !name_ok {
            errors.push(ConfigError::TokenEnvName(self.token_env.clone()));
        }
        if !(self.api_url.starts_with("http://") || self.api_url.starts_with("https://")) {
            errors.push(ConfigError::ApiUrl(self.api_url.clone()));
        }
        let has = |i| self.intents.contains(&i);
        if !has(Intent::DirectMessages) && !has(Intent::GuildMessages) {
            errors.push(ConfigError::NoMessageIntent);
        }
        if !self.channels.is_empty() && !has(Intent::GuildMessages) {
            errors.push(ConfigError::ChannelsWithoutGuildIntent);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The REST base without a trailing slash.
    pub fn api_base(&self) -> &str {
        self.api_url.trim_end_matches('/')
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parse(toml_text: &str) -> Result<DiscordConfig, String> {
        toml::from_str(toml_text).map_err(|e| e.message().to_owned())
    }

    #[test]
    fn defaults_and_ids_as_strings_or_numbers() {
        let c = parse("token_env = \"DISCORD_TOKEN\"\nchannels = [\"42\", 7]").unwrap();
        assert_eq!(c.api_url, DISCORD_API);
        assert_eq!(c.channels, [Snowflake(42), Snowflake(7)]);
        assert_eq!(c.intents.len(), 3);
        assert_eq!(c.quick_replies, QuickReplyStyle::Buttons);
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn unknown_fields_and_bad_ids_are_refused() {
        assert!(
            parse("token_env = \"T\"\ntoken = \"secret\"")
                .unwrap_err()
                .contains("unknown field `token`")
        );
        assert!(parse("token_env = \"T\"\nchannels = [\"general\"]").is_err());
        assert!(
            parse("api_url = \"http://x\"")
                .unwrap_err()
                .contains("token_env")
        );
    }

    #[test]
    fn validate_reports_every_problem() {
        let c = parse(
            "token_env = \"my token\"\napi_url = \"discord.com\"\nintents = [\"message_content\"]\nchannels = [1]",
        )
        .unwrap();
        assert_eq!(
            c.validate(),
            Err(vec![
                ConfigError::TokenEnvName("my token".into()),
                ConfigError::ApiUrl("discord.com".into()),
                ConfigError::NoMessageIntent,
                ConfigError::ChannelsWithoutGuildIntent,
            ])
        );
    }
}
