//! The model table: context windows, prices and declared traits, shipped as
//! data (`data/models.toml`) and overridable from config. It turns usage
//! into cost and answers `--prefer cheap|fast|best`.

use std::collections::BTreeMap;
use std::str::FromStr;

use chamber_protocol::Usage;
use serde::Deserialize;

const SHIPPED: &str = include_str!("../data/models.toml");

/// What Chamber knows about one model.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelInfo {
    /// Model name as sent to the provider (filled from the table key).
    #[serde(skip)]
    pub name: String,
    /// Provider that serves it (`openai`, `anthropic`, …).
    pub provider: String,
    /// Context window in tokens.
    pub context_window: Option<u64>,
    /// USD per million prompt tokens.
    pub input: Option<f64>,
    /// USD per million generated tokens.
    pub output: Option<f64>,
    /// USD per million prompt tokens read from the provider's cache.
    pub cached: Option<f64>,
    /// Declared speed, 1 (slow) to 5 (fast).
    pub speed: Option<u8>,
    /// Declared quality, 1 (weak) to 5 (best).
    pub quality: Option<u8>,
}

impl ModelInfo {
    /// Cost of `usage` in USD, when the prompt and output prices are known.
    /// Cached prompt tokens use the cached price (the input price if none).
    pub fn cost(&self, usage: &Usage) -> Option<f64> {
        let input = self.input?;
        let output = self.output?;
        let cached = self.cached.unwrap_or(input);
        let cached_tokens = usage.cached_tokens.min(usage.prompt_tokens);
        let fresh = usage.prompt_tokens - cached_tokens;
        Some(
            (fresh as f64 * input
                + cached_tokens as f64 * cached
                + usage.completion_tokens as f64 * output)
                / 1_000_000.0,
        )
    }

    /// A single price for comparing models: three prompt tokens per output token.
    fn blended_price(&self) -> f64 {
        match (self.input, self.output) {
            (Some(i), Some(o)) => (3.0 * i + o) / 4.0,
            _ => f64::INFINITY,
        }
    }
}

/// Fields of a config override; `None` keeps the shipped value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelOverride {
    /// Provider serving the model.
    pub provider: Option<String>,
    /// Context window.
    pub context_window: Option<u64>,
    /// Prompt price.
    pub input: Option<f64>,
    /// Output price.
    pub output: Option<f64>,
    /// Cached prompt price.
    pub cached: Option<f64>,
    /// Declared speed.
    pub speed: Option<u8>,
    /// Declared quality.
    pub quality: Option<u8>,
}

/// What `--prefer` optimises for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preference {
    /// Lowest blended price.
    Cheap,
    /// Highest declared speed.
    Fast,
    /// Highest declared quality.
    Best,
}

impl FromStr for Preference {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cheap" => Ok(Self::Cheap),
            "fast" => Ok(Self::Fast),
            "best" => Ok(Self::Best),
            other => Err(format!(
                "unknown preference {other:?}: expected cheap, fast or best"
            )),
        }
    }
}

/// All known models by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelTable {
    models: BTreeMap<String, ModelInfo>,
}

#[derive(Deserialize)]
struct TableFile {
    models: BTreeMap<String, ModelInfo>,
}

impl ModelTable {
    /// The table shipped with Chamber.
    pub fn shipped() -> Self {
        // The file is compiled in and covered by a test, so it parses.
        let file: TableFile = toml::from_str(SHIPPED).unwrap_or(TableFile {
            models: BTreeMap::new(),
        });
        let models = file
            .models
            .into_iter()
            .map(|(name, mut info)| {
                info.name = name.clone();
                (name, info)
            })
            .collect();
        Self { models }
    }

    /// Applies a config override, adding the model when it is new.
    pub fn apply(&mut self, name: &str, o: &ModelOverride) {
        let e = self
            .models
            .entry(name.to_string())
            .or_insert_with(|| ModelInfo {
                name: name.to_string(),
                ..ModelInfo::default()
            });
        if let Some(p) = &o.provider {
            e.provider = p.clone();
        }
        e.context_window = o.context_window.or(e.context_window);
        e.input = o.input.or(e.input);
        e.output = o.output.or(e.output);
        e.cached = o.cached.or(e.cached);
        e.speed = o.speed.or(e.speed);
        e.quality = o.quality.or(e.quality);
    }

    /// Finds a model: exact name, then without a `vendor/` prefix, then the
    /// longest known name it starts with (dated snapshots).
    pub fn lookup(&self, model: &str) -> Option<&ModelInfo> {
        if let Some(m) = self.models.get(model) {
            return Some(m);
        }
        let bare = model.rsplit('/').next().unwrap_or(model);
        if let Some(m) = self.models.get(bare) {
            return Some(m);
        }
        self.models
            .iter()
            .filter(|(name, _)| {
                bare.starts_with(name.as_str())
                    && bare[name.len()..].starts_with(['-', '@', ':', '.'])
            })
            .max_by_key(|(name, _)| name.len())
            .map(|(_, m)| m)
    }

    /// Cost of `usage` on `model` in USD; `None` when its prices are unknown.
    pub fn cost(&self, model: &str, usage: &Usage) -> Option<f64> {
        self.lookup(model)?.cost(usage)
    }

    /// Every model, by name.
    pub fn iter(&self) -> impl Iterator<Item = &ModelInfo> {
        self.models.values()
    }

    /// The best model for `preference` among those `usable` accepts.
    /// Ties go to the cheaper, then the better model.
    pub fn pick(
        &self,
        preference: Preference,
        usable: impl Fn(&ModelInfo) -> bool,
    ) -> Option<&ModelInfo> {
        let candidates = self.models.values().filter(|m| usable(m));
        let q = |m: &ModelInfo| m.quality.unwrap_or(0);
        let s = |m: &ModelInfo| m.speed.unwrap_or(0);
        match preference {
            Preference::Cheap => candidates.min_by(|a, b| {
                a.blended_price()
                    .total_cmp(&b.blended_price())
                    .then(q(b).cmp(&q(a)))
            }),
            Preference::Fast => candidates.min_by(|a, b| {
                s(b).cmp(&s(a))
                    .then(a.blended_price().total_cmp(&b.blended_price()))
            }),
            Preference::Best => candidates.min_by(|a, b| {
                q(b).cmp(&q(a))
                    .then(a.blended_price().total_cmp(&b.blended_price()))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(p: u64, c: u64, cached: u64) -> Usage {
        Usage {
            prompt_tokens: p,
            completion_tokens: c,
            cached_tokens: cached,
            reasoning_tokens: 0,
        }
    }

    #[test]
    fn shipped_table_parses_and_prices_usage() {
        let t = ModelTable::shipped();
        assert!(t.iter().count() >= 20);
        // gpt-4o-mini: 0.15 in, 0.6 out, 0.075 cached per 1M.
        let c = t
            .cost("gpt-4o-mini", &usage(1_000_000, 1_000_000, 0))
            .unwrap();
        assert!((c - 0.75).abs() < 1e-9, "{c}");
        let c = t
            .cost("gpt-4o-mini", &usage(1_000_000, 0, 400_000))
            .unwrap();
        assert!((c - (0.6 * 0.15 + 0.4 * 0.075)).abs() < 1e-9, "{c}");
        assert_eq!(
            t.cost("qwen2.5-coder-0.5b", &usage(5000, 500, 0)),
            Some(0.0)
        );
        assert_eq!(t.cost("who-knows", &usage(1, 1, 0)), None);
    }

    #[test]
    fn lookup_handles_vendor_prefixes_and_snapshots() {
        let t = ModelTable::shipped();
        assert_eq!(
            t.lookup("gpt-4o-mini-2024-07-18").unwrap().name,
            "gpt-4o-mini"
        );
        assert_eq!(t.lookup("gpt-4o-2024-08-06").unwrap().name, "gpt-4o");
        assert_eq!(
            t.lookup("anthropic/claude-sonnet-4-5").unwrap().name,
            "claude-sonnet-4-5"
        );
        assert_eq!(
            t.lookup("claude-sonnet-4-5-20250929").unwrap().name,
            "claude-sonnet-4-5"
        );
        assert!(t.lookup("gpt-4omega").is_none());
    }

    #[test]
    fn overrides_change_prices_and_add_models() {
        let mut t = ModelTable::shipped();
        t.apply(
            "gpt-4o-mini",
            &ModelOverride {
                input: Some(1.0),
                ..Default::default()
            },
        );
        let m = t.lookup("gpt-4o-mini").unwrap();
        assert_eq!((m.input, m.output), (Some(1.0), Some(0.6)));
        t.apply(
            "house-model",
            &ModelOverride {
                provider: Some("vllm".into()),
                input: Some(0.0),
                output: Some(0.0),
                ..Default::default()
            },
        );
        assert_eq!(t.cost("house-model", &usage(10, 10, 0)), Some(0.0));
    }

    #[test]
    fn pick_follows_the_preference() {
        let t = ModelTable::shipped();
        let remote = |m: &ModelInfo| m.provider != "local";
        let cheap = t.pick(Preference::Cheap, remote).unwrap();
        assert!(cheap.blended_price() <= t.lookup("gpt-4o-mini").unwrap().blended_price());
        let best = t.pick(Preference::Best, remote).unwrap();
        assert_eq!(best.quality, Some(5));
        let only_anthropic = |m: &ModelInfo| m.provider == "anthropic";
        assert_eq!(
            t.pick(Preference::Fast, only_anthropic).unwrap().name,
            "claude-3-5-haiku"
        );
        assert!(t.pick(Preference::Best, |_| false).is_none());
        assert!("shiny".parse::<Preference>().is_err());
    }
}
